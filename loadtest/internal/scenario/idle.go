// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/wrenmq/wrenmq/loadtest/internal/client"
	"github.com/wrenmq/wrenmq/loadtest/internal/procfs"
)

// runIdle opens cfg.Connections connections that then do nothing, and
// reports connects per second and the growth of the broker's resident
// memory per connection once they are all open and cfg.Settle has passed.
func runIdle(ctx context.Context, cfg Config) (*Result, error) {
	res := &Result{Name: cfg.Name(), Kind: cfg.Kind}
	var before procfs.Sample
	if cfg.PID > 0 {
		var err error
		if before, err = procfs.Read(cfg.PID); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	conns, err := dialAll(ctx, cfg, cfg.Connections, func(i int) client.Options {
		return client.Options{ClientID: clientID(cfg, 'i', i)}
	})
	elapsed := time.Since(start)
	defer closeAll(conns)
	for _, c := range conns {
		if c != nil {
			res.Connections++
		}
	}
	res.ConnectRate = rate(int64(res.Connections), elapsed.Seconds())
	if err != nil {
		res.Errors = append(res.Errors, fmt.Sprintf("after %d connections: %v", res.Connections, err))
	}
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	if cfg.PID > 0 {
		after, err := procfs.Read(cfg.PID)
		if err != nil {
			return res, err
		}
		if res.Connections > 0 {
			res.MemPerConn = float64(after.RSS-before.RSS) / float64(res.Connections)
		}
		res.BrokerCPU = (after.CPU - before.CPU).Seconds()
		res.BrokerPeakRSS = after.PeakRSS
	}
	return res, nil
}
