// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

// connackOrClosed sends CONNECT and reports whether CONNACK came back
// (true) or the connection was closed without one (false).
func connackOrClosed(t *testing.T, addr, id string) (net.Conn, bool) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	require.NoError(t, nc.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = nc.Write(encode(t, codec.V311, &codec.Connect{ProtocolVersion: codec.V311, ClientID: id, CleanStart: true}))
	if err != nil {
		_ = nc.Close()
		return nil, false
	}
	pk, err := codec.NewReader(nc, 0).ReadPacket(codec.V311)
	if err != nil {
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "neither CONNACK nor close: %v", err)
		_ = nc.Close()
		return nil, false
	}
	require.IsType(t, &codec.Connack{}, pk)
	return nc, true
}

func TestLimitPerIP(t *testing.T) {
	tcp, err := broker.ListenTCP("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := listeners.WithLimits(tcp, listeners.ConnLimits{MaxPerIP: 2})
	startBroker(t, nil, l)
	addr := l.Addr().String()

	a, ok := connackOrClosed(t, addr, "a")
	require.True(t, ok)
	b, ok := connackOrClosed(t, addr, "b")
	require.True(t, ok)
	_, ok = connackOrClosed(t, addr, "c")
	require.False(t, ok, "a third connection from 127.0.0.1 is refused")
	require.EqualValues(t, 1, l.Refused())

	require.NoError(t, a.Close())
	// The slot frees once the broker has seen the close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, ok := connackOrClosed(t, addr, "d")
		if ok {
			_ = c.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "the slot of a closed connection was never freed")
	}
	_ = b.Close()
}

func TestLimitRate(t *testing.T) {
	tcp, err := broker.ListenTCP("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	// One new connection per hour, two at once: the third is refused.
	l := listeners.WithLimits(tcp, listeners.ConnLimits{Rate: 1.0 / 3600, Burst: 2})
	startBroker(t, nil, l)
	var open []io.Closer
	for i, want := range []bool{true, true, false} {
		c, ok := connackOrClosed(t, l.Addr().String(), string(rune('a'+i)))
		require.Equal(t, want, ok, "connection %d", i)
		if ok {
			open = append(open, c)
		}
	}
	for _, c := range open {
		_ = c.Close()
	}
}

// handOne is a broker.Listener that hands one given connection to the
// broker's handler.
type handOne struct {
	broker.Listener
	nc net.Conn
}

func (h handOne) Serve(handle func(net.Conn)) error { handle(h.nc); return nil }

// TestLimitedKeepsTheSocket: a connection passed through WithLimits still
// offers its socket (the server waits for an idle client's next packet on
// it without holding a read buffer), and only when it has one.
func TestLimitedKeepsTheSocket(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer raw.Close()
	dialed, err := net.Dial("tcp", raw.Addr().String())
	require.NoError(t, err)
	defer dialed.Close()

	for _, tc := range []struct {
		nc     net.Conn
		socket bool
	}{{dialed, true}, {server, false}} {
		var got net.Conn
		l := listeners.WithLimits(handOne{nc: tc.nc}, listeners.ConnLimits{})
		require.NoError(t, l.Serve(func(nc net.Conn) { got = nc }))
		require.NotSame(t, tc.nc, got, "wrapped")
		sc, ok := got.(syscall.Conn)
		require.True(t, ok)
		_, err := sc.SyscallConn()
		require.Equal(t, tc.socket, err == nil, "%T: %v", tc.nc, err)
	}
}
