// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestRetained covers storing, replacing and deleting retained messages
// and the RETAIN flag of deliveries.
// [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-7] [MQTT-3.3.1-8] [MQTT-3.3.1-12]
// (v3.1.1 [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] [MQTT-3.3.1-9]
// [MQTT-3.3.1-10] [MQTT-3.3.1-11] [MQTT-3.3.1-12])
func TestRetained(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			topic := "ret/" + vname(v)
			pub := connectC(t, ts, v, "ret-pub")
			live := connectC(t, ts, v, "ret-live")
			live.sub(topic, 1)

			pub.pub(topic, "first", 1, true)
			p := live.recv()
			require.False(t, p.Retain, "a normal delivery has RETAIN 0") // v3.1.1 [MQTT-3.3.1-9]
			pub.pub(topic, "second", 1, true)
			live.recv()
			pub.pub(topic, "not retained", 1, false) // [MQTT-3.3.1-8]
			live.recv()

			late := connectC(t, ts, v, "ret-late")
			late.sub(topic, 1)
			p = late.recv()
			require.Equal(t, "second", string(p.Payload), "replaced")
			require.True(t, p.Retain, "RETAIN 1 on subscribe delivery")
			late.barrier()
			late.disconnect()

			pub.pub(topic, "", 1, true) // delete
			p = live.recv()
			require.Empty(t, p.Payload, "the empty message is delivered normally") // [MQTT-3.3.1-6]
			late = connectC(t, ts, v, "ret-late")
			late.sub(topic, 1)
			late.barrier() // [MQTT-3.3.1-7]
			late.disconnect()
			live.disconnect()
			pub.disconnect()
		})
	}
	require.Zero(t, ts.Info().Retained)
}

// TestRetainHandling covers Retain Handling 0 (always), 1 (new
// subscriptions only) and 2 (never), and Retain As Published.
// [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] [MQTT-3.3.1-12]
// [MQTT-3.3.1-13] [MQTT-3.8.4-3] [MQTT-3.8.4-4]
func TestRetainHandling(t *testing.T) {
	ts := startServer(t, broker.Options{})
	require.NoError(t, ts.Publish("rh/t", []byte("kept"), true, 1))
	tests := []struct {
		handling     byte
		first, again bool
	}{
		{0, true, true},
		{1, true, false},
		{2, false, false},
	}
	for _, tt := range tests {
		t.Run(string(rune('0'+tt.handling)), func(t *testing.T) {
			c := connectC(t, ts, codec.V5, "rh")
			for _, want := range []bool{tt.first, tt.again} {
				c.subscribe(codec.Subscription{Filter: "rh/+", QoS: 1, RetainHandling: tt.handling})
				if want {
					p := c.recv()
					require.Equal(t, "kept", string(p.Payload))
					require.True(t, p.Retain)
				}
				c.barrier()
			}
			c.disconnect()
		})
	}
	t.Run("retain as published", func(t *testing.T) {
		c := connectC(t, ts, codec.V5, "rap")
		c.subscribe(codec.Subscription{Filter: "rap/a", QoS: 1, RetainAsPublished: true},
			codec.Subscription{Filter: "rap/b", QoS: 1})
		pub := connectC(t, ts, codec.V5, "rap-pub")
		pub.pub("rap/a", "x", 0, true)
		require.True(t, c.recv().Retain) // [MQTT-3.3.1-13]
		pub.pub("rap/b", "x", 0, true)
		require.False(t, c.recv().Retain) // [MQTT-3.3.1-12]
		pub.pub("rap/a", "", 0, true)
		c.recv()
		pub.pub("rap/b", "", 0, true)
		c.recv()
	})
}

// TestRetainedQoS: a retained message is delivered at the minimum of its
// QoS and the subscription's. [MQTT-3.8.4-8]
func TestRetainedQoS(t *testing.T) {
	ts := startServer(t, broker.Options{})
	pub := connectC(t, ts, codec.V5, "rq-pub")
	pub.pub("rq/2", "two", 2, true)
	pub.pub("rq/0", "zero", 0, true)
	c := connectC(t, ts, codec.V5, "rq")
	c.sub("rq/2", 1)
	require.Equal(t, codec.QoS(1), c.recv().QoS)
	c.sub("rq/0", 2)
	require.Equal(t, codec.QoS(0), c.recv().QoS)
}

// TestRetainedPerSubscribeBound: one SUBSCRIBE repeating a filter sends
// the retained messages once per filter, as separate SUBSCRIBEs would, but
// no more in all than the store can hold (MaxRetained): otherwise one
// packet could make the server copy the store thousands of times.
func TestRetainedPerSubscribeBound(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxRetained: 10}})
	for i := range 4 {
		require.NoError(t, ts.Publish(fmt.Sprint("rb/", i), []byte("r"), true, 0))
	}
	c := connectC(t, ts, codec.V5, "rb-sub")
	subs := make([]codec.Subscription, 10)
	for i := range subs {
		subs[i] = codec.Subscription{Filter: "rb/#"}
	}
	require.Len(t, c.subscribe(subs...), 10)
	n := 0
	for range 10 { // 10 of the 40 the filters match
		require.True(t, c.expectPublish().Retain)
		n++
	}
	c.barrier()
	require.Equal(t, 10, n)
}

// TestRetainedRoomBound: a SUBSCRIBE collects no more retained messages
// than the client's queues can take now (here an outbound queue of 600
// bytes: at most 100 of the smallest PUBLISH), so that subscribing to "#"
// over a large store, again and again, costs what the client can receive
// rather than the store's size.
func TestRetainedRoomBound(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxOutboundBytes: 600}})
	for i := range 300 {
		require.NoError(t, ts.Publish(fmt.Sprint("rr/", i), []byte("r"), true, 0))
	}
	c := connectC(t, ts, codec.V5, "rr-sub")
	dropped := ts.Info().MessagesDropped
	require.Equal(t, []codec.ReasonCode{codec.GrantedQoS0}, c.subscribe(codec.Subscription{Filter: "rr/#"}))
	n := 0
	for {
		pk := c.expect()
		if _, ok := pk.(*codec.Publish); !ok {
			break
		}
		n++
		if n == 1 {
			c.send(&codec.Pingreq{}) // ends the count
		}
	}
	require.Positive(t, n)
	attempted := int64(n) + ts.Info().MessagesDropped - dropped // sent, or dropped as the queue was full
	require.LessOrEqual(t, attempted, int64(100), "no more than 600 / 6 retained messages collected (%d received)", n)
}

// publishDuringScan publishes a newer retained message on "order/t" from
// inside the read check the server makes while it collects retained
// messages for a SUBSCRIBE readable in part: after the new subscription is
// in place and before the collected retained copy is sent, the window a
// concurrent publisher can hit.
type publishDuringScan struct {
	ts    atomic.Pointer[testServer]
	armed atomic.Bool
}

func (*publishDuringScan) ID() string { return "publish-during-scan" }
func (*publishDuringScan) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}

func (h *publishDuringScan) OnACLCheck(_ *broker.ClientInfo, topic string, a broker.Access) bool {
	if a == broker.AccessRead && topic == "order/t" && h.armed.CompareAndSwap(true, false) {
		_ = h.ts.Load().Publish("order/t", []byte("new"), true, 0)
	}
	return true
}

func (*publishDuringScan) OnACLReadScope(_ *broker.ClientInfo, filter string) broker.ReadScope {
	if strings.ContainsAny(filter, "+#") {
		return broker.ReadSome
	}
	return broker.ReadAll
}

// TestNoStaleRetainedOnSubscribe: a message retained while a SUBSCRIBE is
// handled, after its subscription was added and before the retained copy
// it collected is sent, reaches the client (live, and perhaps as the
// retained copy too), and the older retained message never follows it.
func TestNoStaleRetainedOnSubscribe(t *testing.T) {
	h := &publishDuringScan{}
	ts := startServerHooks(t, broker.Options{}, h)
	h.ts.Store(ts)
	require.NoError(t, ts.Publish("order/t", []byte("old"), true, 0))
	sub := connectC(t, ts, codec.V5, "order")
	h.armed.Store(true)
	// A PUBLISH may come before the SUBACK (MQTT v3.1.1 section 3.8.4).
	// Packets are handled in order: everything the SUBSCRIBE sends comes before
	// the PINGRESP of a PINGREQ sent after it.
	sub.send(&codec.Subscribe{PacketID: sub.nextID(), Subscriptions: []codec.Subscription{{Filter: "order/#"}}})
	sub.send(&codec.Pingreq{})
	var got []string
	for {
		pk := sub.expect()
		if _, ok := pk.(*codec.Pingresp); ok {
			break
		}
		if p, ok := pk.(*codec.Publish); ok {
			got = append(got, fmt.Sprintf("%s retain=%v", p.Payload, p.Retain))
		}
	}
	require.False(t, h.armed.Load(), "the newer message was published during the SUBSCRIBE")
	require.NotContains(t, got, "old retain=true", "the older retained copy was sent: %v", got)
	require.Contains(t, got, "new retain=false", "the newer message is delivered live: %v", got)
}
