// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestWildcards matches topics against filters through real
// subscriptions, including the $ rule.
// [MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.2-1] [MQTT-4.7.3-4] [MQTT-3.3.2-3]
// (v3.1.1 [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.2-1])
func TestWildcards(t *testing.T) {
	ts := startServer(t, broker.Options{})
	tests := []struct {
		filter string
		match  []string
		miss   []string
	}{
		{"a/b", []string{"a/b"}, []string{"a/b/c", "a", "A/b", "a/b/"}},
		{"a/+", []string{"a/b", "a/"}, []string{"a", "a/b/c"}},
		{"+/+", []string{"a/b", "/b"}, []string{"a", "a/b/c"}},
		{"+", []string{"a"}, []string{"a/b", "/a", "$SYS"}},
		{"a/#", []string{"a", "a/b", "a/b/c"}, []string{"b", "ab"}},
		{"#", []string{"a", "a/b", "/"}, []string{"$SYS/x", "$other"}},
		{"+/monitor/#", []string{"x/monitor", "x/monitor/y"}, []string{"$SYS/monitor/y"}},
		{"$SYS/#", []string{"$SYS/broker/x", "$SYS"}, []string{"SYS/x"}},
		{"$SYS/+/x", []string{"$SYS/a/x"}, []string{"$SYS/a/b/x"}},
	}
	pub := connectC(t, ts, codec.V5, "wc-pub")
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			sub := connectC(t, ts, codec.V5, "wc-sub")
			sub.sub(tt.filter, 0)
			for _, topic := range append(tt.miss, tt.match...) {
				// $SYS topics come from the server; clients may not publish them.
				require.NoError(t, ts.Publish(topic, []byte(topic), false, 0))
			}
			for _, topic := range tt.match {
				p := sub.expectPublish()
				require.Equal(t, topic, p.Topic)
			}
			sub.barrier()
			sub.disconnect()
		})
	}
	pub.disconnect()
}

// TestOverlappingSubscriptions: a message matching several subscriptions
// of one client is delivered once, at the highest granted QoS, with every
// matching subscription identifier.
// [MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4]
func TestOverlappingSubscriptions(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "ov")
	c.subscribeP(codec.Properties{SubscriptionIDs: []uint32{1}}, codec.Subscription{Filter: "ov/#", QoS: 0})
	c.subscribeP(codec.Properties{SubscriptionIDs: []uint32{2}}, codec.Subscription{Filter: "ov/+", QoS: 2})
	c.subscribe(codec.Subscription{Filter: "ov/x", QoS: 1})
	pub := connectC(t, ts, codec.V5, "ov-pub")
	pub.pub("ov/x", "one", 2, false)
	p := c.recv()
	require.Equal(t, codec.QoS(2), p.QoS)
	require.ElementsMatch(t, []uint32{1, 2}, p.Properties.SubscriptionIDs)
	c.barrier()
	// Two filters of one SUBSCRIBE share its identifier: sent once.
	c.subscribeP(codec.Properties{SubscriptionIDs: []uint32{9}}, codec.Subscription{Filter: "ov2/#", QoS: 1}, codec.Subscription{Filter: "ov2/+", QoS: 1})
	pub.pub("ov2/x", "once", 1, false)
	require.Equal(t, []uint32{9}, c.recv().Properties.SubscriptionIDs)
	c.barrier()
	// A v3 client gets one delivery at the highest QoS too.
	v3 := connectC(t, ts, codec.V311, "ov3")
	v3.sub("ov/#", 1)
	v3.sub("ov/x", 0)
	pub.pub("ov/x", "two", 1, false)
	require.Equal(t, codec.QoS(1), v3.recv().QoS)
	v3.barrier()
}

// TestSubscriptionIdentifiers: the identifier of a SUBSCRIBE comes back
// with matching messages (and with retained messages); replacing the
// subscription replaces it. [MQTT-3.3.4-3] [MQTT-3.8.4-3]
func TestSubscriptionIdentifiers(t *testing.T) {
	ts := startServer(t, broker.Options{})
	require.NoError(t, ts.Publish("sid/r", []byte("r"), true, 0))
	c := connectC(t, ts, codec.V5, "sid")
	c.subscribeP(codec.Properties{SubscriptionIDs: []uint32{42}}, codec.Subscription{Filter: "sid/+", QoS: 1})
	require.Equal(t, []uint32{42}, c.recv().Properties.SubscriptionIDs)
	require.NoError(t, ts.Publish("sid/a", []byte("a"), false, 1))
	require.Equal(t, []uint32{42}, c.recv().Properties.SubscriptionIDs)
	c.subscribeP(codec.Properties{SubscriptionIDs: []uint32{7}}, codec.Subscription{Filter: "sid/+", QoS: 1, RetainHandling: 2})
	require.NoError(t, ts.Publish("sid/a", []byte("a"), false, 1))
	require.Equal(t, []uint32{7}, c.recv().Properties.SubscriptionIDs)
	c.subscribe(codec.Subscription{Filter: "sid/+", QoS: 1, RetainHandling: 2})
	require.NoError(t, ts.Publish("sid/a", []byte("a"), false, 1))
	require.Empty(t, c.recv().Properties.SubscriptionIDs)
}

// TestNoLocal: with No Local, a client's own messages are not sent back
// to it; others still receive them. [MQTT-3.8.3-3]
func TestNoLocal(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "nl")
	c.subscribe(codec.Subscription{Filter: "nl", QoS: 1, NoLocal: true})
	other := connectC(t, ts, codec.V5, "nl-other")
	other.sub("nl", 1)
	c.pub("nl", "mine", 1, false)
	require.Equal(t, "mine", string(other.recv().Payload))
	c.barrier()
	third := connectC(t, ts, codec.V5, "nl-third")
	third.pub("nl", "theirs", 1, false)
	require.Equal(t, "theirs", string(c.recv().Payload))
}

// TestSharedSubscriptions: each message goes to one member of a group,
// round robin among connected members; no retained messages on subscribe;
// No Local on a shared subscription is a protocol error.
// [MQTT-4.8.2-1] [MQTT-4.8.2-2] [MQTT-4.8.2-3] [MQTT-3.8.3-4] [MQTT-3.8.4-7]
func TestSharedSubscriptions(t *testing.T) {
	ts := startServer(t, broker.Options{})
	require.NoError(t, ts.Publish("sh/t", []byte("retained"), true, 0))
	members := make([]*client, 3)
	for i := range members {
		members[i] = connectC(t, ts, codec.V5, fmt.Sprintf("sh-%d", i))
		members[i].sub("$share/g/sh/+", 1)
		members[i].barrier() // no retained message for a shared subscription
	}
	plain := connectC(t, ts, codec.V311, "sh-plain")
	plain.sub("sh/+", 0)
	plain.recv() // the retained one, for the non-shared subscription
	pub := connectC(t, ts, codec.V5, "sh-pub")
	const n = 30
	for i := range n {
		pub.pub("sh/t", fmt.Sprint(i), 1, false)
		plain.recv()
	}
	// Every PUBACK came after routing, so each member's messages are
	// queued before the PINGRESP that drain() waits for.
	got := make([]int, len(members))
	for i, m := range members {
		got[i] = m.drain()
	}
	for i := range members {
		require.Equal(t, n/len(members), got[i], "round robin, each message once: member %d", i)
	}
	// A disconnected member gets nothing while others are connected.
	members[2].disconnect()
	for i := range 4 {
		pub.pub("sh/t", fmt.Sprint(i), 1, false)
		plain.recv()
	}
	require.Equal(t, 4, members[0].drain()+members[1].drain())

	t.Run("no local is a protocol error", func(t *testing.T) {
		c := connectC(t, ts, codec.V5, "sh-nl")
		c.sendIllegal(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "$share/g/x", NoLocal: true}}})
		c.expectDisconnect(codec.ProtocolError)
	})
}

// TestSubscribeInvalidFilter: an invalid filter is refused in SUBACK with
// 0x8F (v5) or 0x80 (v3), other filters of the packet being processed.
// [MQTT-3.8.4-5] [MQTT-3.8.4-6] [MQTT-3.9.3-1] [MQTT-3.9.3-2] (v3.1.1
// [MQTT-3.9.3-1] [MQTT-3.9.3-2])
func TestSubscribeInvalidFilter(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			c := connectC(t, ts, v, "inv")
			want := codec.TopicFilterInvalid
			if v != codec.V5 {
				want = 0x80
			}
			for _, bad := range []string{"a/#/b", "a+", "$share/g", "$share//x", "a/b#"} {
				c.send(&codec.Raw{Header: 0x82, RemainingLength: -1, Body: subscribeBody(1, v, bad, "ok/"+vname(v))})
				ack := expectT[*codec.Suback](c)
				require.Equal(t, []codec.ReasonCode{want, 1}, ack.ReasonCodes, "filter %q", bad)
			}
			c.disconnect()
		})
	}
}

// subscribeBody builds a SUBSCRIBE body by hand so that invalid filters
// reach the server: each filter at QoS 1.
func subscribeBody(id uint16, v codec.Version, filters ...string) []byte {
	b := []byte{byte(id >> 8), byte(id)}
	if v == codec.V5 {
		b = append(b, 0)
	}
	for _, f := range filters {
		b = append(b, byte(len(f)>>8), byte(len(f)))
		b = append(b, f...)
		b = append(b, 1)
	}
	return b
}

// TestUnsubscribe: UNSUBACK carries 0x00 for a removed subscription,
// 0x11 when none existed and 0x8F for an invalid filter, in order;
// messages stop after it. An invalid filter closes a v3.1.1 connection.
// [MQTT-3.10.4-1] [MQTT-3.10.4-2] [MQTT-3.10.4-4] [MQTT-3.10.4-5]
// [MQTT-3.10.4-6] [MQTT-3.11.3-1] [MQTT-3.11.3-2] [MQTT-4.7.1-1]
// [MQTT-4.7.3-1] (v3.1.1 [MQTT-4.7.1-2] [MQTT-4.7.3-1] [MQTT-4.8.0-1])
func TestUnsubscribe(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			c := connectC(t, ts, v, "unsub")
			c.sub("u/+", 1)
			c.sub("$share/g/u/x", 1)
			c.send(&codec.Unsubscribe{PacketID: 5, Filters: []string{"u/+", "u/none", "$share/g/u/x", "U/+"}})
			ack := expectT[*codec.Unsuback](c)
			require.Equal(t, uint16(5), ack.PacketID)
			if v == codec.V5 {
				require.Equal(t, []codec.ReasonCode{codec.Success, codec.NoSubscriptionExisted, codec.Success, codec.NoSubscriptionExisted}, ack.ReasonCodes)
			}
			require.NoError(t, ts.Publish("u/x", []byte("x"), false, 1))
			c.barrier()
			// An invalid filter is not "no subscription existed" but 0x8F,
			// as in SUBACK [MQTT-4.7.1-1] [MQTT-4.7.3-1]. v3.1.1 has no
			// such code: the connection is closed (v3.1.1 [MQTT-4.8.0-1]).
			c.sendIllegal(&codec.Unsubscribe{PacketID: 6, Filters: []string{"u/#/x", "", "u/+"}})
			if v != codec.V5 {
				c.expectClosed()
				return
			}
			ack = expectT[*codec.Unsuback](c)
			require.Equal(t, []codec.ReasonCode{codec.TopicFilterInvalid, codec.TopicFilterInvalid, codec.NoSubscriptionExisted}, ack.ReasonCodes)
			c.disconnect()
		})
	}
	require.Zero(t, ts.Info().Subscriptions)
}

// TestSubscriptionQuotas: a session's subscriptions are bounded in number
// (MaxSubscriptionsPerClient) and in memory (MaxSubscriptionBytes: filter
// lengths plus 384 bytes per level); a new subscription beyond either gets
// 0x97 quota exceeded, replacing an existing one always works, and
// unsubscribing makes room.
func TestSubscriptionQuotas(t *testing.T) {
	tests := []struct {
		name    string
		limits  broker.Limits
		filters []string // the last one exceeds the quota
	}{
		{name: "count", limits: broker.Limits{MaxSubscriptionsPerClient: 3}, filters: []string{"q/a", "q/b", "q/c", "q/d"}},
		// each x/x/x/x/x costs 9 + 5*384 = 1,929 bytes: three fit in 6,000
		{name: "bytes", limits: broker.Limits{MaxSubscriptionBytes: 6000}, filters: []string{"a/x/x/x/x", "b/x/x/x/x", "c/x/x/x/x", "d/x/x/x/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{Limits: tt.limits})
			c := connectC(t, ts, codec.V5, "quota")
			n := len(tt.filters) - 1
			for _, f := range tt.filters[:n] {
				require.Equal(t, []codec.ReasonCode{codec.GrantedQoS1}, c.subscribe(codec.Subscription{Filter: f, QoS: 1}))
			}
			last := codec.Subscription{Filter: tt.filters[n], QoS: 1}
			require.Equal(t, []codec.ReasonCode{codec.QuotaExceeded}, c.subscribe(last))
			require.Equal(t, []codec.ReasonCode{codec.GrantedQoS0}, c.subscribe(codec.Subscription{Filter: tt.filters[0]}), "replacing fits")
			require.EqualValues(t, n, ts.Info().Subscriptions, "the refused subscription was not kept")
			c.send(&codec.Unsubscribe{PacketID: c.nextID(), Filters: []string{tt.filters[1]}})
			require.Equal(t, []codec.ReasonCode{codec.Success}, expectT[*codec.Unsuback](c).ReasonCodes)
			require.Equal(t, []codec.ReasonCode{codec.GrantedQoS1}, c.subscribe(last), "room after unsubscribing")
		})
	}
}

// TestTotalSubscriptionQuota: the subscriptions of all sessions together
// are bounded (MaxTotalSubscriptionBytes), so many sessions cannot
// exhaust memory between them; a session's end makes room.
func TestTotalSubscriptionQuota(t *testing.T) {
	dc := make(disconnects, 1)
	// each x/x/x/x/x costs 1,929 bytes: three fit in 6,000
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxTotalSubscriptionBytes: 6000}}, dc)
	a := connectC(t, ts, codec.V5, "total-a")
	b := connectC(t, ts, codec.V5, "total-b")
	a.sub("a/x/x/x/x", 1)
	a.sub("b/x/x/x/x", 1)
	b.sub("c/x/x/x/x", 1)
	require.Equal(t, []codec.ReasonCode{codec.QuotaExceeded}, b.subscribe(codec.Subscription{Filter: "d/x/x/x/x", QoS: 1}))
	a.disconnect() // its session ends with the connection
	dc.wait(t, "total-a")
	require.Equal(t, []codec.ReasonCode{codec.GrantedQoS1}, b.subscribe(codec.Subscription{Filter: "d/x/x/x/x", QoS: 1}))
}

// TestSharedOfflineMembers: a member whose persistent session is offline
// gets nothing while another member is connected; with every member
// offline the message is queued for one of them, and delivered when it
// comes back.
func TestSharedOfflineMembers(t *testing.T) {
	dc := make(disconnects, 4)
	ts := startServer(t, broker.Options{}, dc)
	var offline []*client
	for _, id := range []string{"so-a", "so-b"} {
		c := connectC(t, ts, codec.V5, id, persistent(60))
		c.sub("$share/g/so", 1)
		offline = append(offline, c)
	}
	on := connectC(t, ts, codec.V5, "so-on")
	on.sub("$share/g/so", 1)
	for _, c := range offline {
		c.disconnect()
	}
	dc.wait(t, "so-a")
	dc.wait(t, "so-b")
	pub := connectC(t, ts, codec.V5, "so-pub")
	for i := range 6 {
		pub.pub("so", fmt.Sprint(i), 1, false)
	}
	require.Equal(t, 6, on.drain(), "the connected member gets every message")
	on.disconnect()
	dc.wait(t, "so-on")

	pub.pub("so", "queued", 1, false)
	got := 0
	for _, id := range []string{"so-a", "so-b"} {
		c, ack := connect(t, ts, codec.V5, id, persistent(60))
		require.True(t, ack.SessionPresent)
		got += c.drain()
	}
	require.Equal(t, 1, got, "queued once, for one offline member")
}

// TestAcksWithinClientMaximumPacketSize: the server never sends a SUBACK or
// UNSUBACK larger than the client's Maximum Packet Size [MQTT-3.1.2-24].
// One that would not fit (a request of many filters from a client with a
// small limit) ends the connection with DISCONNECT 0x95 before anything
// changes, rather than leaving the client waiting for it.
func TestAcksWithinClientMaximumPacketSize(t *testing.T) {
	ts := startServer(t, broker.Options{})
	const max = 64 // a SUBACK of 59 codes: 1 + 1 + 2 + 1 + 59 bytes
	limited := func(c *codec.Connect) { c.Properties.MaximumPacketSize = codec.Ptr(uint32(max)) }
	filters := func(n int) []codec.Subscription {
		subs := make([]codec.Subscription, n)
		for i := range subs {
			subs[i] = codec.Subscription{Filter: "f/" + strconv.Itoa(i)}
		}
		return subs
	}

	c := connectC(t, ts, codec.V5, "mps", limited)
	require.Len(t, c.subscribe(filters(59)...), 59)
	unsub := &codec.Unsubscribe{PacketID: c.nextID()}
	for _, s := range filters(59) {
		unsub.Filters = append(unsub.Filters, s.Filter)
	}
	c.send(unsub)
	require.Len(t, expectT[*codec.Unsuback](c).ReasonCodes, 59)

	// One filter more: SUBSCRIBE ends the connection and subscribes nothing.
	c.send(&codec.Subscribe{PacketID: c.nextID(), Subscriptions: filters(60)})
	c.expectDisconnect(codec.PacketTooLarge)
	pub := connectC(t, ts, codec.V5, "mps-pub")
	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "f/0", QoS: 1}))

	// UNSUBSCRIBE likewise.
	c = connectC(t, ts, codec.V5, "mps", limited)
	c.send(&codec.Unsubscribe{PacketID: c.nextID(), Filters: append(unsub.Filters, "f/59")})
	c.expectDisconnect(codec.PacketTooLarge)
}

// blockSubscribe holds the SUBSCRIBE of client "racer" to "race/x" in its
// OnSubscribe hook until released.
type blockSubscribe struct{ entered, release chan struct{} }

func (blockSubscribe) ID() string { return "block-subscribe" }

func (h blockSubscribe) OnSubscribe(cl *broker.ClientInfo, pk *codec.Subscribe) *codec.Subscribe {
	if cl.ID == "racer" && len(pk.Subscriptions) > 0 && pk.Subscriptions[0].Filter == "race/x" {
		h.entered <- struct{}{}
		<-h.release
	}
	return nil
}

// TestSubscribeRacingCleanStartTakeover: a SUBSCRIBE still being handled
// when a clean-start CONNECT of the same client id ends its session adds
// nothing: the new, clean session does not get the subscription
// [MQTT-3.1.2-4], and the server-wide MaxTotalSubscriptionBytes count does
// not keep its cost (a helper's review found both).
func TestSubscribeRacingCleanStartTakeover(t *testing.T) {
	h := blockSubscribe{entered: make(chan struct{}), release: make(chan struct{})}
	dc := make(disconnects, 4)
	// "race/x" costs 6 + 2*384 = 774, "z" 1 + 384 = 385: not both in 1,000.
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxTotalSubscriptionBytes: 1000}}, h, dc)

	old := connectC(t, ts, codec.V5, "racer")
	old.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "race/x", QoS: 1}}})
	<-h.entered
	fresh := connectC(t, ts, codec.V5, "racer") // clean start: the old session ends
	close(h.release)
	dc.wait(t, "racer") // the old connection is done with its SUBSCRIBE

	pub := connectC(t, ts, codec.V5, "pub")
	assert.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "race/x", QoS: 1, Payload: []byte("x")}),
		"the clean session of racer has the old connection's subscription [MQTT-3.1.2-4]")
	fresh.drain()
	fresh.disconnect() // its session (expiry 0) ends: no session has a subscription now
	dc.wait(t, "racer")

	other := connectC(t, ts, codec.V5, "other")
	require.Equal(t, []codec.ReasonCode{codec.GrantedQoS0}, other.subscribe(codec.Subscription{Filter: "z"}),
		"no subscription exists, yet the total subscription quota is exhausted: the ended session's cost leaked")
}
