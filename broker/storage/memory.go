// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Memory is the in-memory reference [Backend]. Its batches are atomic and
// its scans are consistent snapshots, returned in key order. Nothing
// survives the process; it is meant for tests and for brokers that want
// the store's semantics without persistence.
type Memory struct {
	mu     sync.RWMutex      // guards data and closed
	data   map[string][]byte // values are never modified after Apply stores them
	closed bool
}

// NewMemory returns an empty in-memory backend, safe for concurrent use.
func NewMemory() *Memory {
	return &Memory{data: make(map[string][]byte)}
}

// Apply implements [Backend.Apply]; the batch is applied atomically and
// its keys and values are copied.
func (m *Memory) Apply(ctx context.Context, ops []Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: apply batch of %d ops: %w", len(ops), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("memory store: apply batch of %d ops: %w", len(ops), ErrClosed)
	}
	for _, op := range ops {
		if op.Delete {
			delete(m.data, string(op.Key))
			continue
		}
		m.data[string(op.Key)] = append([]byte{}, op.Value...)
	}
	return nil
}

// Scan implements [Backend.Scan]. It calls fn in key order on a snapshot
// taken when the scan starts, without holding a lock, so fn may call Apply.
func (m *Memory) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error {
	type kv struct {
		k string
		v []byte
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return fmt.Errorf("memory store: scan: %w", ErrClosed)
	}
	var snap []kv
	for k, v := range m.data {
		if strings.HasPrefix(k, string(prefix)) {
			snap = append(snap, kv{k, v})
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(snap, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for _, e := range snap {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memory store: scan: %w", err)
		}
		if err := fn([]byte(e.k), e.v); err != nil {
			return fmt.Errorf("memory store: scan: %w", err)
		}
	}
	return nil
}

// Ping implements [Backend.Ping]; it fails only after Close.
func (m *Memory) Ping(ctx context.Context) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fmt.Errorf("memory store: ping: %w", ErrClosed)
	}
	return ctx.Err()
}

// Close implements [Backend.Close]; the data is dropped.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.data = nil
	return nil
}
