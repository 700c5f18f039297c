// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package main

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
	"go.uber.org/goleak"
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

	for _, tt := range []struct {
		v    codec.Version
		want []byte
	}{
		{codec.V5, []byte{0x20, 3, 0, 0, 0}},
		{codec.V311, []byte{0x20, 2, 0, 0}},
		{codec.V5, []byte{0x20, 3, 0, 0, 0}},
	} {
		nc, err := net.Dial("tcp", r.addr())
		require.NoError(t, err)
		pk, err := codec.Append(nil, &codec.Connect{ProtocolVersion: tt.v, ClientID: "floor", CleanStart: true}, tt.v)
		require.NoError(t, err)
		for _, part := range [][]byte{pk[:1], pk[1:5], pk[5:]} {
			_, err = nc.Write(part)
			require.NoError(t, err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(tt.want))
		_, err = io.ReadFull(nc, got)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "version %d", tt.v)
		require.NoError(t, nc.Close())
	}
}
