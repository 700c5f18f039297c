// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package broker_test

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// waitAcked waits until the peer has acknowledged every byte written on
// nc (nothing left in its send queue, TIOCOUTQ), so that what was sent sits
// in the server's socket buffer.
func waitAcked(t *testing.T, nc net.Conn) {
	t.Helper()
	rc, err := nc.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	eventually(t, func() bool {
		var n int32
		var errno syscall.Errno
		require.NoError(t, rc.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
		}))
		require.Zero(t, errno)
		return n == 0
	}, "the server acknowledged the client's bytes")
}

// blockPublish holds the reader of a client publishing to "block" inside
// OnPublish until released, so that what the client sends next stays
// unread on the socket.
type blockPublish struct{ entered, release chan struct{} }

func (blockPublish) ID() string { return "block-publish" }

func (b blockPublish) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	if pk.Topic == "block" {
		b.entered <- struct{}{}
		<-b.release
	}
	return nil
}

// A client that sends DISCONNECT and reconnects at once can have its new
// CONNECT handled before the old connection's reader reads the DISCONNECT.
// The takeover must still see the normal disconnect and not publish the
// will; without the DISCONNECT it must. [MQTT-3.1.2-10] [MQTT-3.14.4-3]
// [MQTT-3.1.4-3]
func TestTakeoverWithDisconnectUnread(t *testing.T) {
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		for _, sendDisconnect := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s disconnect=%v", vname(v), sendDisconnect), func(t *testing.T) {
				block := blockPublish{entered: make(chan struct{}), release: make(chan struct{})}
				ts := startServer(t, broker.Options{}, block)
				sub := connectC(t, ts, codec.V5, "tw-sub")
				sub.sub("tw/will", 0)

				old := connectC(t, ts, v, "tw", withWill("tw/will", "will", 0, false, 0))
				old.pub("block", "", 0, false)
				<-block.entered
				if sendDisconnect {
					old.send(&codec.Disconnect{})
					waitAcked(t, old.nc) // the DISCONNECT is in the server's socket buffer
				}
				connectC(t, ts, v, "tw") // takes over while the old reader is held
				close(block.release)

				other := connectC(t, ts, codec.V5, "tw-other")
				other.pub("tw/will", "marker", 0, false)
				want := "marker"
				if !sendDisconnect {
					want = "will" // published at the takeover, before the marker
				}
				require.Equal(t, want, string(sub.recv().Payload))
			})
		}
	}
}
