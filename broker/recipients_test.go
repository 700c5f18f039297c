// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// selectFunc is an OnSelectSubscribers hook made of a function.
type selectFunc func(cl *broker.ClientInfo, pk *codec.Publish, subs []broker.Recipient) []broker.Recipient

func (selectFunc) ID() string { return "select" }

func (f selectFunc) OnSelectSubscribers(cl *broker.ClientInfo, pk *codec.Publish, subs []broker.Recipient) []broker.Recipient {
	return f(cl, pk, subs)
}

// selectCall is what one OnSelectSubscribers call saw.
type selectCall struct {
	publisher string
	inline    bool
	topic     string
	subs      []broker.Recipient
}

// recordSelect returns a hook that reports each call on the channel it
// returns (copying the list) and then applies f.
func recordSelect(f selectFunc) (selectFunc, chan selectCall) {
	calls := make(chan selectCall, 16)
	return func(cl *broker.ClientInfo, pk *codec.Publish, subs []broker.Recipient) []broker.Recipient {
		seen := slices.Clone(subs)
		for i := range seen {
			seen[i].SubscriptionIDs = slices.Clone(seen[i].SubscriptionIDs)
		}
		calls <- selectCall{publisher: cl.ID, inline: cl.Inline, topic: pk.Topic, subs: seen}
		return f(cl, pk, subs)
	}, calls
}

// without removes the recipients of client id, filtering in place.
func without(id string) selectFunc {
	return func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
		return slices.DeleteFunc(subs, func(r broker.Recipient) bool { return r.ClientID == id })
	}
}

type selectPanics struct{}

func (selectPanics) ID() string { return "select-panics" }

func (selectPanics) OnSelectSubscribers(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
	for i := range subs {
		subs[i].QoS = 0 // in place, half done when it fails
		if i == len(subs)/2 {
			panic("select boom")
		}
	}
	return subs
}

// TestOnSelectSubscribers: two subscribers (granted QoS 1) of a topic and
// one client that did not subscribe; a v5 client publishes QoS 2 messages
// to the topic. Each case says which QoS each client receives (-1: none).
// A recipient the hooks remove still counts as matching: the PUBREC is
// 0x00, never 0x10.
func TestOnSelectSubscribers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hooks []broker.Hook
		want  map[string]int // client -> QoS received, -1 for nothing
	}{
		{"no change", []broker.Hook{without("nobody")}, map[string]int{"sa": 1, "sb": 1, "sc": -1}},
		{"removes one", []broker.Hook{without("sb")}, map[string]int{"sa": 1, "sb": -1, "sc": -1}},
		{"removes all", []broker.Hook{selectFunc(func(*broker.ClientInfo, *codec.Publish, []broker.Recipient) []broker.Recipient {
			return nil
		})}, map[string]int{"sa": -1, "sb": -1, "sc": -1}},
		{"lowers QoS", []broker.Hook{selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
			for i := range subs {
				if subs[i].ClientID == "sa" {
					subs[i].QoS = 0
				}
			}
			return subs
		})}, map[string]int{"sa": 0, "sb": 1, "sc": -1}},
		{"cannot widen", []broker.Hook{selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
			for i := range subs {
				subs[i].QoS = 2       // granted 1
				subs[i].Retain = true // the message is not retained
			}
			subs = append(subs, subs[0]) // a second copy for sa
			return append(subs,
				broker.Recipient{ClientID: "sc", QoS: 2},      // connected, not subscribed
				broker.Recipient{ClientID: "unknown", QoS: 2}, // no session
			)
		})}, map[string]int{"sa": 1, "sb": 1, "sc": -1}},
		{"built anew and reversed", []broker.Hook{selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
			out := make([]broker.Recipient, 0, len(subs))
			for i := len(subs) - 1; i >= 0; i-- {
				out = append(out, broker.Recipient{ClientID: subs[i].ClientID, QoS: subs[i].QoS})
			}
			return out
		})}, map[string]int{"sa": 1, "sb": 1, "sc": -1}},
		{"later hooks see earlier ones' choice", []broker.Hook{without("sa"), selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
			if len(subs) != 1 {
				return nil
			}
			subs[0].QoS = 0
			return subs
		})}, map[string]int{"sa": -1, "sb": 0, "sc": -1}},
		{"a panicking hook is skipped", []broker.Hook{selectPanics{}}, map[string]int{"sa": 1, "sb": 1, "sc": -1}},
		{"a panicking hook after another is skipped", []broker.Hook{without("sa"), selectPanics{}}, map[string]int{"sa": -1, "sb": 1, "sc": -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{}, tc.hooks...)
			clients := map[string]*client{}
			for _, id := range []string{"sa", "sb", "sc"} {
				clients[id] = connectC(t, ts, codec.V5, id)
			}
			clients["sa"].sub("sel/t", 1)
			clients["sb"].sub("sel/t", 1)
			p := connectC(t, ts, codec.V5, "pub")
			// Several messages: every one is routed the same way and
			// arrives in order.
			for _, payload := range []string{"1", "2", "3"} {
				require.Equal(t, codec.Success, p.pubP(&codec.Publish{Topic: "sel/t", QoS: 2, Payload: []byte(payload)}))
			}
			for id, qos := range tc.want {
				c := clients[id]
				if qos >= 0 {
					for _, payload := range []string{"1", "2", "3"} {
						got := c.recv()
						require.Equal(t, payload, string(got.Payload), "client %s", id)
						require.Equal(t, codec.QoS(qos), got.QoS, "client %s", id)
						require.False(t, got.Retain, "client %s", id)
					}
				}
				c.barrier()
			}
		})
	}
}

// TestOnSelectSubscribersSees: the hook is given the publisher, the
// message and one recipient per client, at the merged QoS with the
// subscription identifiers; a member chosen in a shared group is listed
// separately with Shared set, and removing it leaves the client its own
// copy with the identifiers computed, whatever the hook wrote to them.
func TestOnSelectSubscribersSees(t *testing.T) {
	hook, calls := recordSelect(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
		for _, r := range subs {
			for i := range r.SubscriptionIDs {
				r.SubscriptionIDs[i] = 99
			}
		}
		return slices.DeleteFunc(subs, func(r broker.Recipient) bool { return r.Shared })
	})
	ts := startServer(t, broker.Options{}, hook)
	a := connectC(t, ts, codec.V5, "see-a")
	a.subscribeP(codec.Properties{SubscriptionIDs: []uint32{7}}, codec.Subscription{Filter: "see/+", QoS: 0})
	a.subscribeP(codec.Properties{SubscriptionIDs: []uint32{8}}, codec.Subscription{Filter: "see/#", QoS: 1})
	a.subscribeP(codec.Properties{SubscriptionIDs: []uint32{9}}, codec.Subscription{Filter: "$share/g/see/x", QoS: 2})
	b := connectC(t, ts, codec.V5, "see-b")
	b.sub("see/x", 2)
	p := connectC(t, ts, codec.V5, "see-pub")
	require.Equal(t, codec.Success, p.pubP(&codec.Publish{Topic: "see/x", QoS: 2, Payload: []byte("x")}))

	call := nextCall(t, calls)
	require.Equal(t, "see-pub", call.publisher)
	require.False(t, call.inline)
	require.Equal(t, "see/x", call.topic)
	for i := range call.subs {
		slices.Sort(call.subs[i].SubscriptionIDs)
	}
	require.ElementsMatch(t, []broker.Recipient{
		{ClientID: "see-a", QoS: 1, SubscriptionIDs: []uint32{7, 8}},
		{ClientID: "see-b", QoS: 2},
		{ClientID: "see-a", QoS: 2, SubscriptionIDs: []uint32{9}, Shared: true},
	}, unref(call.subs))

	got := a.recv()
	require.Equal(t, codec.QoS(1), got.QoS)
	require.ElementsMatch(t, []uint32{7, 8}, got.Properties.SubscriptionIDs)
	a.barrier()
	require.Equal(t, codec.QoS(2), b.recv().QoS)
	b.barrier()
}

// unref returns the recipients as a hook could build them, without the
// server's hidden reference to its routing target, for comparison.
func unref(rs []broker.Recipient) []broker.Recipient {
	out := make([]broker.Recipient, len(rs))
	for i, r := range rs {
		out[i] = broker.Recipient{ClientID: r.ClientID, QoS: r.QoS, Retain: r.Retain, SubscriptionIDs: r.SubscriptionIDs, Shared: r.Shared}
	}
	return out
}

// TestOnSelectSubscribersServerSide: the server's own messages reach the
// hook with a publisher marked Inline; the server's own subscriptions are
// neither listed nor filtered; the retained message a new subscription
// gets does not pass through the hook.
func TestOnSelectSubscribersServerSide(t *testing.T) {
	hook, calls := recordSelect(func(*broker.ClientInfo, *codec.Publish, []broker.Recipient) []broker.Recipient {
		return nil
	})
	ts := startServer(t, broker.Options{}, hook)
	inline := make(chan string, 4)
	require.NoError(t, ts.Subscribe("srv/#", 1, func(_ broker.InlineSubscription, pk *codec.Publish) {
		inline <- string(pk.Payload)
	}))
	c := connectC(t, ts, codec.V5, "srv-sub")
	c.sub("srv/t", 1)

	require.NoError(t, ts.Publish("srv/t", []byte("kept"), true, 1))
	call := nextCall(t, calls)
	require.True(t, call.inline)
	require.Equal(t, []string{"srv-sub"}, clientIDs(call.subs))
	require.Equal(t, "kept", <-inline)
	c.barrier() // removed by the hook

	late := connectC(t, ts, codec.V5, "srv-late")
	late.sub("srv/t", 1)
	got := late.recv()
	require.Equal(t, "kept", string(got.Payload))
	require.True(t, got.Retain)
	late.barrier()
	select {
	case call := <-calls:
		t.Fatalf("the retained message for a new subscription reached the hook: %+v", call)
	default:
	}
}

// nextCall returns the next OnSelectSubscribers call recorded.
func nextCall(t *testing.T, calls chan selectCall) selectCall {
	t.Helper()
	select {
	case call := <-calls:
		return call
	case <-time.After(waitFor):
		t.Fatal("OnSelectSubscribers was not called")
		return selectCall{}
	}
}

func clientIDs(rs []broker.Recipient) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ClientID
	}
	return ids
}

// BenchmarkSelectSubscribers: Server.Publish of QoS 0 messages to 50
// subscribers that discard what they receive, without an
// OnSelectSubscribers hook, with one that keeps every recipient, and with
// one that removes half of them.
func BenchmarkSelectSubscribers(b *testing.B) {
	keep := selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
		return subs
	})
	half := selectFunc(func(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
		return subs[:len(subs)/2]
	})
	for _, bc := range []struct {
		name  string
		hooks []broker.Hook
	}{{"none", nil}, {"keep", []broker.Hook{keep}}, {"half", []broker.Hook{half}}} {
		b.Run(bc.name, func(b *testing.B) {
			ts := startServer(b, broker.Options{}, bc.hooks...)
			const subs = 50
			for i := range subs {
				nc := benchConn(b, ts.addr, fmt.Sprint("sel", i), codec.Subscription{Filter: "sel/+"})
				go func() { _, _ = io.Copy(io.Discard, nc) }()
			}
			payload := make([]byte, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := ts.Publish("sel/x", payload, false, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
