// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package broker

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// Waiting for input allocates nothing: every connection waits before
// every read.
func TestWaitReadableAllocatesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)
	defer server.Close()
	_, err = client.Write([]byte{1}) // readable at once from now on
	require.NoError(t, err)
	rc, err := server.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, waitReadable(rc))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = waitReadable(rc) }), "allocations per waitReadable")
}
