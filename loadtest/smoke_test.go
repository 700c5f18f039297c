// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package loadtest_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startBroker starts an in-process wrenmq broker on a free loopback port
// and returns its address.
func startBroker(t *testing.T) string {
	t.Helper()
	srv := broker.New(broker.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	ln, err := broker.ListenTCP("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(ln))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestSmoke runs short scenarios against an in-process broker and expects
// every message exactly once: nothing here reconnects, so not even QoS 1
// may deliver a duplicate.
func TestSmoke(t *testing.T) {
	addr := startBroker(t)
	cases := []scenario.Config{
		{Kind: scenario.Pairs, Publishers: 2, Messages: 500, QoS: 0},
		{Kind: scenario.Pairs, Publishers: 2, Messages: 500, QoS: 1},
		{Kind: scenario.Pairs, Publishers: 2, Messages: 500, QoS: 2},
		{Kind: scenario.Pairs, Publishers: 2, Messages: 500, QoS: 2, Version: codec.V311},
		{Kind: scenario.FanOut, Subscribers: 5, Messages: 200, QoS: 1},
		{Kind: scenario.FanIn, Publishers: 3, Messages: 200, QoS: 1},
		{Kind: scenario.Shared, Publishers: 2, Subscribers: 3, Messages: 200, QoS: 2},
		{Kind: scenario.Retained, Messages: 300, QoS: 1},
	}
	for _, cfg := range cases {
		cfg.Addr = addr
		cfg.Quiet = 3 * time.Second
		t.Run(cfg.Name(), func(t *testing.T) {
			res, err := scenario.Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Empty(t, res.Errors)
			require.False(t, res.TimedOut, "run ended on the quiet timeout")
			require.Zero(t, res.Lost, "lost")
			require.Zero(t, res.Duplicates, "duplicates")
			require.Zero(t, res.Foreign, "foreign")
			require.Zero(t, res.Rejected, "rejected")
			require.Equal(t, res.Expected, res.Delivered)
			require.Positive(t, res.Expected)
			require.Positive(t, res.LatencyP50)
		})
	}
	t.Run("idle 50", func(t *testing.T) {
		res, err := scenario.Run(context.Background(), scenario.Config{Kind: scenario.Idle, Addr: addr, Connections: 50, Settle: time.Millisecond})
		require.NoError(t, err)
		require.Empty(t, res.Errors)
		require.Equal(t, 50, res.Connections)
	})
}
