// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"context"
	"errors"
)

// ErrClosed is returned by operations on a closed [Store] or [Backend], and
// by the [Done] of writes that were abandoned when a Store was closed
// before they could be written.
var ErrClosed = errors.New("storage: closed")

// Op is one write of a batch: it stores Value under Key, or removes Key
// when Delete is set (Value is then ignored).
type Op struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// Backend is a key/value store that the [Store] writes records to. Keys and
// values are arbitrary bytes. Implementations must be safe for concurrent
// use.
type Backend interface {
	// Apply writes ops in order, so a later op on the same key wins. The
	// batch should be atomic (all or nothing) where the database allows
	// it; an implementation documents whether it is. Applying the same
	// batch twice must leave the same state as applying it once, because
	// a batch whose outcome is unknown (a lost connection) is retried.
	// Apply must not retain ops or their slices after it returns.
	Apply(ctx context.Context, ops []Op) error

	// Scan calls fn for every key that starts with prefix, in any order,
	// each key at most once. key and value are valid only during the call
	// and must not be modified. An error returned by fn stops the scan and
	// is returned (possibly wrapped) by Scan.
	Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error

	// Ping reports whether the database is reachable; health checks use it.
	Ping(ctx context.Context) error

	// Close releases the backend's resources. Other methods fail after it.
	Close() error
}
