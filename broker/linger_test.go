// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// filler is what a client sends after the packet the server ends the
// connection on: more than the server reads at once, so that input is left
// unread when the server closes (which, without a lingering close, makes
// TCP reset the connection).
var filler = bytes.Repeat([]byte{0}, 64<<10)

// malformedPublish is a PUBLISH whose fixed header claims QoS 3.
var malformedPublish = []byte{0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}

// TestLingeringCloseDeliversTheLastPacket: when the server ends a
// connection with a packet telling the client why, the client reads that
// packet, can still write (as a client answering what it read before it
// does), and then sees an orderly end of stream, not a connection reset,
// although it had sent more than the server read.
func TestLingeringCloseDeliversTheLastPacket(t *testing.T) {
	cases := []struct {
		name  string
		v     codec.Version
		allow bool // an AllowAll hook; without one every CONNECT is refused
		check func(t *testing.T, c *client)
	}{
		{"v5 DISCONNECT on a malformed packet", codec.V5, true, func(t *testing.T, c *client) {
			require.Equal(t, codec.Success, c.connect(newConnect(codec.V5, "bad")).ReasonCode)
			c.write(append(append([]byte(nil), malformedPublish...), filler...))
			d := expectT[*codec.Disconnect](c)
			require.Equal(t, codec.MalformedPacket, d.ReasonCode)
		}},
		{"v5 CONNACK refusing the client", codec.V5, false, func(t *testing.T, c *client) {
			b, err := codec.Encoder{Version: codec.V5}.Append(nil, newConnect(codec.V5, "refused"))
			require.NoError(t, err)
			c.write(append(b, filler...))
			ack := expectT[*codec.Connack](c)
			require.Equal(t, codec.NotAuthorized, ack.ReasonCode)
		}},
		{"v3.1.1 CONNACK refusing the client", codec.V311, false, func(t *testing.T, c *client) {
			b, err := codec.Encoder{Version: codec.V311}.Append(nil, newConnect(codec.V311, "refused"))
			require.NoError(t, err)
			c.write(append(b, filler...))
			ack := expectT[*codec.Connack](c)
			require.Equal(t, codec.ConnackCodeV3(codec.NotAuthorized), ack.ReasonCode)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ts *testServer
			if tc.allow {
				ts = startServer(t, broker.Options{})
			} else {
				ts = startServerHooks(t, broker.Options{})
			}
			c := dial(t, ts, tc.v)
			tc.check(t, c)
			c.write(filler[:1024])
			_, err := c.read(waitFor)
			require.ErrorIs(t, err, io.EOF, "the server should end the stream after its last packet, not reset it")
		})
	}
}

// TestLingerIsBounded: a client that neither closes nor stops sending
// after the server's last packet is cut off once CloseLinger has passed.
func TestLingerIsBounded(t *testing.T) {
	ts := startServer(t, broker.Options{CloseLinger: 50 * time.Millisecond, WriteTimeout: time.Minute})
	c := connectC(t, ts, codec.V5, "lingers")
	c.write(append(append([]byte(nil), malformedPublish...), filler...))
	require.Equal(t, codec.MalformedPacket, expectT[*codec.Disconnect](c).ReasonCode)
	_, err := c.read(waitFor)
	require.ErrorIs(t, err, io.EOF, "the write side is shut")
	requireClosedForWrites(t, c)
}

// requireClosedForWrites waits until writes to the server fail: it has
// closed the connection, not only shut its write side (a client reads the
// end of stream either way).
func requireClosedForWrites(t *testing.T, c *client) {
	t.Helper()
	eventually(t, func() bool {
		_ = c.nc.SetWriteDeadline(time.Now().Add(waitFor))
		_, err := c.nc.Write([]byte{0})
		return err != nil
	}, "the server should close the connection")
}

// TestCloseEndsALinger: Server.Close does not wait for connections that
// linger after their last packet.
func TestCloseEndsALinger(t *testing.T) {
	ts := startServer(t, broker.Options{CloseLinger: time.Hour, WriteTimeout: time.Hour})
	c := connectC(t, ts, codec.V5, "lingers")
	c.write(append(append([]byte(nil), malformedPublish...), filler...))
	require.Equal(t, codec.MalformedPacket, expectT[*codec.Disconnect](c).ReasonCode)
	closed := make(chan error, 1)
	go func() { closed <- ts.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Close waited for a lingering connection")
	}
	requireClosedForWrites(t, c)
}
