// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package client

import (
	"context"
	"sync/atomic"
)

// Window is the inflight window of a QoS 1/2 publisher: a pool of packet
// identifiers 1..n. The publisher acquires an identifier per message and
// the read loop releases it when the flow ends. Acquire and Release may
// run in different goroutines.
type Window struct {
	ids   chan uint16
	inUse []atomic.Bool
}

// NewWindow returns a window of n identifiers (1 <= n <= 65535).
func NewWindow(n int) *Window {
	n = min(max(n, 1), 65535)
	w := &Window{ids: make(chan uint16, n), inUse: make([]atomic.Bool, n+1)}
	for i := 1; i <= n; i++ {
		w.ids <- uint16(i)
	}
	return w
}

// Size returns the number of identifiers in the window.
func (w *Window) Size() int { return cap(w.ids) }

// TryAcquire takes a free identifier without blocking.
func (w *Window) TryAcquire() (uint16, bool) {
	select {
	case id := <-w.ids:
		w.inUse[id].Store(true)
		return id, true
	default:
		return 0, false
	}
}

// Acquire waits for a free identifier.
func (w *Window) Acquire(ctx context.Context) (uint16, error) {
	select {
	case id := <-w.ids:
		w.inUse[id].Store(true)
		return id, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Release returns id to the window. It reports false, and changes
// nothing, when id is not in use: an acknowledgement the server should not
// have sent.
func (w *Window) Release(id uint16) bool {
	if id == 0 || int(id) >= len(w.inUse) || !w.inUse[id].CompareAndSwap(true, false) {
		return false
	}
	w.ids <- id
	return true
}

// Drain waits until every identifier is back, that is until every flow
// has ended, and leaves the window empty.
func (w *Window) Drain(ctx context.Context) error {
	for range cap(w.ids) {
		select {
		case <-w.ids:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
