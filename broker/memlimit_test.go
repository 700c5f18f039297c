// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestMemoryLimitRefusesConnections: with a live heap above
// Limits.MemoryLimit (one byte here, measured before the first client),
// a connection is refused with 0x97 quota exceeded, v3 with 0x03.
func TestMemoryLimitRefusesConnections(t *testing.T) {
	runtime.GC() // the live heap is measured by a collection
	ts := startServer(t, broker.Options{Limits: broker.Limits{MemoryLimit: 1}})
	c := dial(t, ts, codec.V5)
	require.Equal(t, codec.QuotaExceeded, c.connect(newConnect(codec.V5, "over-5")).ReasonCode)
	c.expectClosed()
	require.EqualValues(t, 1, ts.Info().MemoryLimited)
	c = dial(t, ts, codec.V311)
	require.Equal(t, codec.ConnackV3ServerUnavailable, c.connect(newConnect(codec.V311, "over-3")).ReasonCode)
	c.expectClosed()

	ts = startServer(t, broker.Options{Limits: broker.Limits{MemoryLimit: 1 << 50}})
	connect(t, ts, codec.V5, "under")
	require.Zero(t, ts.Info().MemoryLimited)
}

// TestMemoryLimitRefusesMessages: while the server sheds load, a v5
// QoS 1 or 2 message is refused with 0x97 and QoS 0 is dropped, neither
// routed; a v3 QoS 1 message closes the connection (v3 cannot refuse it,
// and an acknowledgement would lose it). Once below the limit, messages
// flow again.
func TestMemoryLimitRefusesMessages(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "mem-sub")
	sub.sub("mem/#", 1)
	pub := connectC(t, ts, codec.V5, "mem-pub")
	v3 := connectC(t, ts, codec.V311, "mem-v3")
	dropped := ts.Info().MessagesDropped

	broker.SetOverMemory(ts.Server, true)
	require.Equal(t, codec.QuotaExceeded, pub.pubP(&codec.Publish{Topic: "mem/1", QoS: 1, Payload: []byte("x")}))
	require.Equal(t, codec.QuotaExceeded, pub.pubP(&codec.Publish{Topic: "mem/2", QoS: 2, Payload: []byte("x")}))
	pub.send(&codec.Publish{Topic: "mem/0", Payload: []byte("x")})
	pub.barrier()
	v3.send(&codec.Publish{Topic: "mem/3", QoS: 1, PacketID: 1, Payload: []byte("x")})
	v3.expectClosed()
	sub.barrier() // nothing was routed
	require.EqualValues(t, 4, ts.Info().MessagesDropped-dropped)

	broker.SetOverMemory(ts.Server, false)
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "mem/4", QoS: 1, Payload: []byte("x")}))
	require.Equal(t, "mem/4", sub.recv().Topic)
}
