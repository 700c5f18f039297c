// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/loadtest/internal/floortest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCONNACK: epfloor answers a CONNECT with the CONNACK of its version,
// also when the CONNECT arrives in pieces, and serves several clients.
func TestCONNACK(t *testing.T) {
	r, err := listen("127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- r.run() }()
	defer func() { r.stop(); require.NoError(t, <-done) }()
	floortest.CheckCONNACK(t, r.addr())
}
