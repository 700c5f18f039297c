// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/loadtest/internal/floortest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCONNACK: gofloor answers a CONNECT with the CONNACK of its version,
// also when the CONNECT arrives in pieces.
func TestCONNACK(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { serve(ln); close(done) }()
	defer func() { _ = ln.Close(); <-done }()
	floortest.CheckCONNACK(t, ln.Addr().String())
}
