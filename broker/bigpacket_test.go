// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestLargePacketsSplitAcrossReads: packets far larger than the read
// buffer, written in small pieces, arrive intact, and so do the packets
// that follow them in the same stream.
func TestLargePacketsSplitAcrossReads(t *testing.T) {
	addr := startServer(t, broker.Options{}).addr

	sub, _ := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "big-sub", CleanStart: true})
	sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "big/#"}}})
	require.IsType(t, &codec.Suback{}, sub.read())

	pub, _ := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "big-pub", CleanStart: true})
	var (
		stream []byte
		err    error
	)
	sizes := []int{100 << 10, 10, 5000, 300 << 10}
	for i, n := range sizes {
		p := &codec.Publish{Topic: "big/x", Payload: bytes.Repeat([]byte{byte('a' + i)}, n)}
		stream, err = codec.Append(stream, p, codec.V311)
		require.NoError(t, err)
	}
	for len(stream) > 0 {
		n := min(len(stream), 1000)
		_, err := pub.nc.Write(stream[:n])
		require.NoError(t, err)
		stream = stream[n:]
	}
	for i, n := range sizes {
		p, ok := sub.read().(*codec.Publish)
		require.True(t, ok)
		require.Len(t, p.Payload, n)
		require.Equal(t, byte('a'+i), p.Payload[n-1])
	}
	_ = pub.nc.Close()
	_ = sub.nc.Close()
}
