// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/loadtest/internal/client"
)

// dialAll opens n connections, at most cfg.Dialers at a time, with the
// options opts(i). On failure it returns the connections that succeeded
// (at their index; nil elsewhere) with the first error.
func dialAll(ctx context.Context, cfg Config, n int, opts func(i int) client.Options) ([]*client.Conn, error) {
	conns := make([]*client.Conn, n)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, cfg.Dialers)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o := opts(i)
			o.Addr, o.Version = cfg.Addr, cfg.Version
			if o.Timeout == 0 {
				o.Timeout = 10 * time.Second
			}
			c, err := client.Dial(ctx, o)
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return conns, first
}

// closeAll disconnects every non-nil connection and forgets it, so that
// calling it again is harmless.
func closeAll(conns []*client.Conn) {
	for i, c := range conns {
		if c != nil {
			_ = c.Disconnect()
			conns[i] = nil
		}
	}
}

// clientID returns a short client identifier, unique per run: v3.1.1
// servers need only accept 23 characters.
func clientID(cfg Config, role byte, i int) string {
	return fmt.Sprintf("%s%c%d", idBase(cfg.Prefix), role, i)
}

// idBase derives a compact identifier stem from the topic prefix.
func idBase(prefix string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(prefix); i++ {
		h = (h ^ uint32(prefix[i])) * 16777619
	}
	return fmt.Sprintf("lt%08x", h)
}
