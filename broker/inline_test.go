// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"sync"
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

// TestInlineSharedSubscription: an inline subscription may be a member of
// a shared group: alone it receives every message (and the publisher is
// told success, not "no matching subscribers"); beside a client member the
// messages are split between them, each exactly once, with the default
// and with a custom selector.
func TestInlineSharedSubscription(t *testing.T) {
	for _, custom := range []bool{false, true} {
		t.Run(map[bool]string{false: "round-robin", true: "selector"}[custom], func(t *testing.T) {
			opts := broker.Options{}
			if custom {
				opts.SharedSelector = firstConnected{}
			}
			ts := startServer(t, opts)
			got := make(chan string, 16)
			require.NoError(t, ts.Subscribe("$share/g/sh/#", 1, func(_ broker.InlineSubscription, pk *codec.Publish) {
				got <- string(pk.Payload)
			}))
			pub := connectC(t, ts, codec.V5, "sh-pub")
			require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "sh/1", QoS: 1, Payload: []byte("alone")}))
			select {
			case p := <-got:
				require.Equal(t, "alone", p)
			case <-time.After(10 * time.Second):
				t.Fatal("the inline member of the shared group got nothing")
			}

			member := connectC(t, ts, codec.V5, "sh-member")
			member.sub("$share/g/sh/#", 1)
			for i := range 6 {
				require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "sh/1", QoS: 1, Payload: []byte(fmt.Sprint(i))}))
			}
			inline := len(got)
			for range 6 - inline {
				member.ack(member.expectPublish())
			}
			member.barrier()
			if !custom {
				require.Positive(t, inline, "round-robin gives the inline member its turns")
			}
		})
	}
}

// firstConnected always picks the first member.
type firstConnected struct{}

func (firstConnected) Select(_, _ string, _ []broker.SharedMember, _ int, _ *codec.Publish) int {
	return 0
}

// TestInlineHandlerPanic: a panicking inline handler costs its message,
// not the publisher's connection or the process.
func TestInlineHandlerPanic(t *testing.T) {
	ts := startServer(t, broker.Options{})
	require.NoError(t, ts.Subscribe("boom/#", 1, func(broker.InlineSubscription, *codec.Publish) { panic("handler bug") }))
	c := connectC(t, ts, codec.V5, "boom")
	require.Equal(t, codec.Success, c.pubP(&codec.Publish{Topic: "boom/1", QoS: 1, Payload: []byte("x")}))
	require.Equal(t, codec.Success, c.pubP(&codec.Publish{Topic: "boom/2", QoS: 1, Payload: []byte("x")}), "the connection survived")
}

// expiredAfterStop records OnStopped and OnRetainedExpired in order.
type expiredAfterStop struct {
	mu     sync.Mutex
	events []string
}

func (*expiredAfterStop) ID() string { return "expired-after-stop" }
func (e *expiredAfterStop) OnStopped() {
	e.mu.Lock()
	e.events = append(e.events, "stopped")
	e.mu.Unlock()
}
func (e *expiredAfterStop) OnRetainedExpired(topic string) {
	e.mu.Lock()
	e.events = append(e.events, "expired "+topic)
	e.mu.Unlock()
}

// TestNoRetainedExpiryAfterClose: a retained message's expiry timer that
// fires after Close calls no hook (OnStopped is the last).
func TestNoRetainedExpiryAfterClose(t *testing.T) {
	h := &expiredAfterStop{}
	ts := startServer(t, broker.Options{}, h)
	require.NoError(t, ts.PublishPacket(&codec.Publish{Topic: "exp/1", Retain: true, Payload: []byte("x"),
		Properties: codec.Properties{MessageExpiry: codec.Ptr[uint32](1)}}))
	require.NoError(t, ts.Close())
	time.Sleep(1500 * time.Millisecond) // past the expiry: nothing may happen
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(t, []string{"stopped"}, h.events)
}

// TestInlineSubscribeGetsRetained: a new inline subscription gets the
// retained messages it matches at once, as a client's subscription does;
// a shared one does not.
func TestInlineSubscribeGetsRetained(t *testing.T) {
	ts := startServer(t, broker.Options{})
	require.NoError(t, ts.Publish("cfg/a", []byte("1"), true, 0))
	require.NoError(t, ts.Publish("cfg/b", []byte("2"), true, 1))
	var got []string
	require.NoError(t, ts.Subscribe("cfg/#", 1, func(_ broker.InlineSubscription, pk *codec.Publish) {
		got = append(got, pk.Topic+"="+string(pk.Payload))
	}))
	require.ElementsMatch(t, []string{"cfg/a=1", "cfg/b=2"}, got)
	shared := 0
	require.NoError(t, ts.Subscribe("$share/g/cfg/#", 2, func(broker.InlineSubscription, *codec.Publish) { shared++ }))
	require.Zero(t, shared)
}
