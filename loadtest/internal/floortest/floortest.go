// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package floortest checks the floor servers (cmd/gofloor, cmd/epfloor):
// the same test of their one behaviour for both.
package floortest

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/codec"
)

// CheckCONNACK connects to the floor server at addr several times and
// checks that each CONNECT, sent in pieces, is answered with the CONNACK
// of its protocol version.
func CheckCONNACK(t *testing.T, addr string) {
	t.Helper()
	for _, tt := range []struct {
		v    codec.Version
		want []byte
	}{
		{codec.V5, []byte{0x20, 3, 0, 0, 0}},
		{codec.V311, []byte{0x20, 2, 0, 0}},
		{codec.V5, []byte{0x20, 3, 0, 0, 0}},
	} {
		nc, err := net.Dial("tcp", addr)
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
