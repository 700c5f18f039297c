// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package client_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/loadtest/internal/client"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestWindow(t *testing.T) {
	w := client.NewWindow(3)
	require.Equal(t, 3, w.Size())
	seen := map[uint16]bool{}
	for range 3 {
		id, ok := w.TryAcquire()
		require.True(t, ok)
		require.NotZero(t, id)
		require.False(t, seen[id], "identifier %d handed out twice", id)
		seen[id] = true
	}
	_, ok := w.TryAcquire()
	require.False(t, ok, "window of 3 gave a fourth identifier")

	require.False(t, w.Release(0), "identifier 0 is never in flight")
	require.False(t, w.Release(4), "identifier outside the window")
	require.True(t, w.Release(2))
	require.False(t, w.Release(2), "second acknowledgement of the same flow")

	id, err := w.Acquire(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint16(2), id)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = w.Acquire(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, w.Drain(ctx), context.Canceled)

	for id := range uint16(3) {
		require.True(t, w.Release(id+1))
	}
	require.NoError(t, w.Drain(context.Background()))
}
