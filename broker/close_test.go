// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestGracefulClose: Close sends DISCONNECT 0x8B to v5 clients, closes v3
// connections, refuses new ones, and is idempotent; goleak in TestMain
// proves nothing is left running.
func TestGracefulClose(t *testing.T) {
	ts := startServer(t, broker.Options{})
	v5 := connectC(t, ts, codec.V5, "c5")
	v3 := connectC(t, ts, codec.V311, "c3")
	pending := dial(t, ts, codec.V5) // connected at TCP level only
	require.True(t, ts.Ready())
	require.NoError(t, ts.Close())
	require.False(t, ts.Ready())
	v5.expectDisconnect(codec.ServerShuttingDown)
	v3.expectClosed()
	pending.expectClosed()
	require.NoError(t, ts.Close())
}
