// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestInlineClient: the server's own client publishes to clients,
// receives their messages through handlers, and unsubscribes.
func TestInlineClient(t *testing.T) {
	ts := startServer(t, broker.Options{})
	got := make(chan *codec.Publish, 8)
	h := func(sub broker.InlineSubscription, pk *codec.Publish) {
		require.Equal(t, "in/+", sub.Filter)
		require.Equal(t, 7, sub.ID)
		got <- pk.Clone()
	}
	require.NoError(t, ts.Subscribe("in/+", 7, h))
	c := connectC(t, ts, codec.V5, "inl")
	c.sub("out", 1)

	c.pub("in/a", "to server", 1, false)
	select {
	case p := <-got:
		require.Equal(t, "in/a", p.Topic)
		require.Equal(t, "to server", string(p.Payload))
	case <-time.After(waitFor):
		t.Fatal("inline handler not called")
	}
	require.NoError(t, ts.Publish("out", []byte("from server"), false, 1))
	require.Equal(t, "from server", string(c.recv().Payload))

	require.NoError(t, ts.Unsubscribe("in/+", 7))
	require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: "in/a", QoS: 1}))
	require.Empty(t, got)

	require.Error(t, ts.Publish("bad/+", nil, false, 0), "invalid topic name")
	require.Error(t, ts.Subscribe("bad/#/x", 1, h), "invalid filter")
}

// TestInjectPacket: a packet injected for a connected client is processed
// as if the client had sent it; responses go to the client.
func TestInjectPacket(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "inj")
	require.NoError(t, ts.InjectPacket("inj", &codec.Subscribe{PacketID: 99, Subscriptions: []codec.Subscription{{Filter: "inj/#", QoS: 1}}}))
	require.Equal(t, uint16(99), expectT[*codec.Suback](c).PacketID)
	other := connectC(t, ts, codec.V311, "inj-other")
	other.sub("inj/#", 0)
	require.NoError(t, ts.InjectPacket("inj", &codec.Publish{Topic: "inj/x", Payload: []byte("injected")}))
	require.Equal(t, "injected", string(c.recv().Payload))
	require.Equal(t, "injected", string(other.recv().Payload))
	require.Error(t, ts.InjectPacket("nobody", &codec.Pingreq{}))
	require.Error(t, ts.InjectPacket("inj", &codec.Publish{Topic: "a/+"}), "invalid packets are refused")
	c.barrier()
}

// inboxHook subscribes every client to its inbox when its session starts,
// by injecting a SUBSCRIBE from the hook itself.
type inboxHook struct {
	srv  atomic.Pointer[broker.Server]
	errs chan error
}

func (*inboxHook) ID() string { return "inbox" }
func (h *inboxHook) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, _ bool) {
	h.errs <- h.srv.Load().InjectPacket(cl.ID, &codec.Subscribe{PacketID: 1000,
		Subscriptions: []codec.Subscription{{Filter: "inbox/" + cl.ID, QoS: 1}}})
}

// TestInjectFromOwnHook: a hook of a client may inject a packet for that
// very client (the mochi pattern of subscribing a client on connect): the
// packet is processed right after the one being handled, instead of
// deadlocking the connection and Close.
func TestInjectFromOwnHook(t *testing.T) {
	h := &inboxHook{errs: make(chan error, 4)}
	ts := startServer(t, broker.Options{}, h)
	h.srv.Store(ts.Server)
	c := connectC(t, ts, codec.V5, "inj")
	require.NoError(t, <-h.errs)
	ack := expectT[*codec.Suback](c)
	require.Equal(t, uint16(1000), ack.PacketID)
	require.NoError(t, ts.Publish("inbox/inj", []byte("hi"), false, 1))
	require.Equal(t, "hi", string(c.recv().Payload))
}
