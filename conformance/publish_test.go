// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"fmt"
	"testing"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// rawSub subscribes a raw client and returns the SUBACK.
func (c *rawClient) subscribe(id uint16, subs ...codec.Subscription) *codec.Suback {
	c.t.Helper()
	c.send(&codec.Subscribe{PacketID: id, Subscriptions: subs})
	p := c.read()
	sa, ok := p.(*codec.Suback)
	require.True(c.t, ok, "expected SUBACK, got %T", p)
	require.Equal(c.t, id, sa.PacketID, "SUBACK packet identifier")
	return sa
}

// readPublish reads the next packet and requires a PUBLISH.
func (c *rawClient) readPublish() *codec.Publish {
	c.t.Helper()
	p := c.read()
	pub, ok := p.(*codec.Publish)
	require.True(c.t, ok, "expected PUBLISH, got %T %+v", p, p)
	return pub
}

// scenarioQoSFlowsRaw checks the QoS 0, 1 and 2 exchanges packet by packet
// in both directions, in v5 and v3.1.1.
// [MQTT-2.2.1-2] [MQTT-2.2.1-4] [MQTT-2.2.1-5] [MQTT-2.2.1-6] [MQTT-3.8.4-2] [MQTT-3.3.1-2] [MQTT-3.3.1-3]
// [MQTT-4.3.1-1] [MQTT-4.3.2-1] [MQTT-4.3.2-2] [MQTT-4.3.2-4] [MQTT-4.3.2-5] [MQTT-4.3.3-1] [MQTT-4.3.3-2]
// [MQTT-4.3.3-4] [MQTT-4.3.3-8] [MQTT-4.3.3-10] [MQTT-4.3.3-11] [MQTT-4.3.3-12] [MQTT-3.4.2-1] [MQTT-3.5.2-1]
// [MQTT-3.6.2-1] [MQTT-3.7.2-1] [MQTT-2.2.2-1] [MQTT-4.5.0-1] [MQTT-3.3.2-3]
// [v3.1.1:MQTT-2.3.1-1] [v3.1.1:MQTT-2.3.1-4] [v3.1.1:MQTT-2.3.1-5] [v3.1.1:MQTT-2.3.1-6] [v3.1.1:MQTT-2.3.1-7]
// No AUTH without an authentication method: [MQTT-4.12.0-6]
// [v3.1.1:MQTT-3.8.4-2] [v3.1.1:MQTT-3.3.1-2] [v3.1.1:MQTT-3.3.1-3] [v3.1.1:MQTT-4.3.1-1] [v3.1.1:MQTT-4.3.2-1]
// [v3.1.1:MQTT-4.3.2-2] [v3.1.1:MQTT-4.3.3-1] [v3.1.1:MQTT-4.3.3-2] [v3.1.1:MQTT-4.5.0-1] [v3.1.1:MQTT-3.3.2-3]
func scenarioQoSFlowsRaw(t *testing.T, tg *Target) {
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			topic := uid("flow") + "/t"
			sub := dialRaw(t, b.Addr, v)
			sub.connectOK(uid("flowsub"))
			sa := sub.subscribe(11, codec.Subscription{Filter: topic, QoS: 2})
			require.Equal(t, []codec.ReasonCode{2}, sa.ReasonCodes)
			pub := dialRaw(t, b.Addr, v)
			pub.connectOK(uid("flowpub"))

			// QoS 0, sent with DUP=0: delivered with no packet id, DUP 0.
			pub.send(&codec.Publish{Topic: topic, Payload: []byte("q0")})
			m := sub.readPublish()
			assert.Equal(t, codec.QoS(0), m.QoS)
			assert.Zero(t, m.PacketID)
			assert.False(t, m.Dup)

			// QoS 1 sent with DUP=1: PUBACK with the same id; delivered
			// with DUP=0 and a non-zero id.
			pub.send(&codec.Publish{Topic: topic, QoS: 1, PacketID: 7, Dup: true, Payload: []byte("q1")})
			ack, ok := pub.read().(*codec.Puback)
			require.True(t, ok)
			assert.Equal(t, uint16(7), ack.PacketID)
			assert.Equal(t, codec.Success, ack.ReasonCode)
			m = sub.readPublish()
			assert.Equal(t, "q1", string(m.Payload))
			assert.Equal(t, codec.QoS(1), m.QoS)
			assert.NotZero(t, m.PacketID)
			assert.False(t, m.Dup, "DUP is set independently of the incoming PUBLISH")
			id1 := m.PacketID
			sub.send(&codec.Puback{PacketID: id1})

			// The same id after PUBACK is a new message.
			pub.send(&codec.Publish{Topic: topic, QoS: 1, PacketID: 7, Payload: []byte("q1 again")})
			_, ok = pub.read().(*codec.Puback)
			require.True(t, ok)
			m = sub.readPublish()
			assert.Equal(t, "q1 again", string(m.Payload))
			sub.send(&codec.Puback{PacketID: m.PacketID})

			// QoS 2: PUBREC; a resent PUBLISH before PUBREL gets PUBREC
			// again and is not delivered twice; PUBREL gets PUBCOMP.
			pub.send(&codec.Publish{Topic: topic, QoS: 2, PacketID: 8, Payload: []byte("q2")})
			rec, ok := pub.read().(*codec.Pubrec)
			require.True(t, ok)
			assert.Equal(t, uint16(8), rec.PacketID)
			pub.send(&codec.Publish{Topic: topic, QoS: 2, PacketID: 8, Dup: true, Payload: []byte("q2")})
			rec, ok = pub.read().(*codec.Pubrec)
			require.True(t, ok)
			assert.Equal(t, uint16(8), rec.PacketID)
			pub.send(&codec.Pubrel{PacketID: 8})
			comp, ok := pub.read().(*codec.Pubcomp)
			require.True(t, ok)
			assert.Equal(t, uint16(8), comp.PacketID)

			// Subscriber side of QoS 2.
			m = sub.readPublish()
			assert.Equal(t, "q2", string(m.Payload))
			assert.Equal(t, codec.QoS(2), m.QoS)
			assert.False(t, m.Dup)
			assert.NotZero(t, m.PacketID)
			sub.send(&codec.Pubrec{PacketID: m.PacketID})
			rel, ok := sub.read().(*codec.Pubrel)
			require.True(t, ok, "PUBREL after PUBREC")
			assert.Equal(t, m.PacketID, rel.PacketID)
			sub.send(&codec.Pubcomp{PacketID: m.PacketID})

			// After PUBCOMP the id is new again.
			pub.send(&codec.Publish{Topic: topic, QoS: 2, PacketID: 8, Payload: []byte("q2 again")})
			_, ok = pub.read().(*codec.Pubrec)
			require.True(t, ok)
			pub.send(&codec.Pubrel{PacketID: 8})
			_, ok = pub.read().(*codec.Pubcomp)
			require.True(t, ok)
			m = sub.readPublish()
			assert.Equal(t, "q2 again", string(m.Payload), "the duplicate QoS 2 PUBLISH must not have been delivered twice")
			sub.send(&codec.Pubrec{PacketID: m.PacketID})
			_, ok = sub.read().(*codec.Pubrel)
			require.True(t, ok)
			sub.send(&codec.Pubcomp{PacketID: m.PacketID})

			// UNSUBACK carries the UNSUBSCRIBE's id.
			sub.send(&codec.Unsubscribe{PacketID: 12, Filters: []string{topic}})
			ua, ok := sub.read().(*codec.Unsuback)
			require.True(t, ok)
			assert.Equal(t, uint16(12), ua.PacketID)
		})
	}
}

// scenarioQoSMatrix: every subscription QoS against every publish QoS;
// the delivery QoS is the minimum.
// [MQTT-3.8.4-8] [MQTT-3.8.4-7] [v3.1.1:MQTT-3.8.4-6]
func scenarioQoSMatrix(t *testing.T, tg *Target) {
	b := tg.Start(t)
	prefix := uid("qm")
	sub := connectV5(t, b.Addr, uid("qmsub"))
	pub := connectV5(t, b.Addr, uid("qmpub"))
	for sq := range byte(3) {
		sub.sub(sq, fmt.Sprintf("%s/%d", prefix, sq))
	}
	for sq := range byte(3) {
		for pq := range byte(3) {
			pub.pub(fmt.Sprintf("%s/%d", prefix, sq), pq, false, fmt.Sprint(sq, pq))
			m := sub.recv()
			assert.Equal(t, min(sq, pq), m.QoS, "sub %d pub %d", sq, pq)
		}
	}
	// v3.1.1 subscriber.
	s3 := connectV3(t, b.Addr, uid("qm3"), true)
	for sq := range byte(3) {
		s3.sub(sq, fmt.Sprintf("%s/v3/%d", prefix, sq))
	}
	for sq := range byte(3) {
		for pq := range byte(3) {
			pub.pub(fmt.Sprintf("%s/v3/%d", prefix, sq), pq, false, "x")
			assert.Equal(t, min(sq, pq), s3.recv().Qos(), "v3 sub %d pub %d", sq, pq)
		}
	}
}

// scenarioOrderedTopic: one publisher's messages arrive in order, at each
// QoS and mixed.
// [MQTT-4.6.0-5] [MQTT-4.6.0-6] [v3.1.1:MQTT-4.6.0-5] [v3.1.1:MQTT-4.6.0-6]
func scenarioOrderedTopic(t *testing.T, tg *Target) {
	b := tg.Start(t)
	topic := uid("ord") + "/t"
	sub := connectV5(t, b.Addr, uid("ordsub"))
	sub.sub(2, topic)
	s3 := connectV3(t, b.Addr, uid("ord3"), true)
	s3.sub(2, topic)
	pub := connectV5(t, b.Addr, uid("ordpub"))
	const n = 60
	for i := range n {
		q := byte(1 + i%2)
		if i >= n/2 {
			q = byte(i % 3)
		}
		pub.pub(topic, q, false, fmt.Sprint(i))
	}
	for i := range n {
		assert.Equal(t, fmt.Sprint(i), string(sub.recv().Payload))
		assert.Equal(t, fmt.Sprint(i), string(s3.recv().Payload()))
	}
}

// scenarioPacketIDs: messages in flight to one client carry distinct,
// non-zero packet identifiers.
// [MQTT-2.2.1-4] [v3.1.1:MQTT-2.3.1-4]
func scenarioPacketIDs(t *testing.T, tg *Target) {
	b := tg.Start(t)
	topic := uid("pid") + "/t"
	sub := dialRaw(t, b.Addr, codec.V5)
	sub.connectOK(uid("pidsub"))
	sub.subscribe(1, codec.Subscription{Filter: topic, QoS: 2})
	pub := connectV5(t, b.Addr, uid("pidpub"))
	seen := map[uint16]bool{}
	for i := range 10 {
		pub.pub(topic, byte(1+i%2), false, "x")
		m := sub.readPublish()
		require.NotZero(t, m.PacketID)
		require.False(t, seen[m.PacketID], "packet id %d reused while in flight", m.PacketID)
		seen[m.PacketID] = true
	}
}

// scenarioOverlapping is the Paho "overlapping subscriptions" test: a
// message matching two subscriptions of one client arrives once at the
// highest QoS with both subscription identifiers, or once per
// subscription with its own identifier.
// [MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4] [MQTT-3.3.4-5] [v3.1.1:MQTT-3.3.5-1]
func scenarioOverlapping(t *testing.T, tg *Target) {
	b := tg.Start(t)
	prefix := uid("ov")
	r := dialRaw(t, b.Addr, codec.V5)
	r.connectOK(uid("ovc"))
	for i, f := range []codec.Subscription{{Filter: prefix + "/#", QoS: 2}, {Filter: prefix + "/+", QoS: 1}} {
		r.send(&codec.Subscribe{PacketID: uint16(i + 1), Subscriptions: []codec.Subscription{f},
			Properties: codec.Properties{SubscriptionIDs: []uint32{uint32(i + 1)}}})
		_, ok := r.read().(*codec.Suback)
		require.True(t, ok)
	}
	pub := connectV5(t, b.Addr, uid("ovpub"))
	pub.pub(prefix+"/x", 2, false, "overlap")
	m := r.readPublish()
	switch ids := m.Properties.SubscriptionIDs; len(ids) {
	case 2:
		assert.Equal(t, codec.QoS(2), m.QoS, "single copy at the highest granted QoS")
		assert.ElementsMatch(t, []uint32{1, 2}, ids)
	case 1:
		m2 := r.readPublish()
		require.Len(t, m2.Properties.SubscriptionIDs, 1)
		got := map[uint32]codec.QoS{ids[0]: m.QoS, m2.Properties.SubscriptionIDs[0]: m2.QoS}
		assert.Equal(t, map[uint32]codec.QoS{1: 2, 2: 1}, got, "one copy per subscription with its id and QoS")
	default:
		t.Fatalf("subscription identifiers %v", ids)
	}

	// v3.1.1: at least one copy, at the highest QoS among those sent.
	c3 := connectV3(t, b.Addr, uid("ov3"), true)
	c3.sub(2, prefix+"/v3/#")
	c3.sub(1, prefix+"/v3/+")
	pub.pub(prefix+"/v3/x", 2, false, "overlap")
	m3 := c3.recv()
	if m3.Qos() != 2 {
		assert.Equal(t, byte(2), c3.recv().Qos(), "the QoS 2 subscription must be honoured")
	}
}

func subIDs(m *paho.Publish) []int {
	if m.Properties == nil || m.Properties.SubscriptionIdentifier == nil {
		return nil
	}
	return []int{*m.Properties.SubscriptionIdentifier}
}

// scenarioWildcards: "+" and "#" match as the spec says, including "#"
// matching its parent level; invalid filters are refused.
// [MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.0-1] [MQTT-3.3.2-3]
// [v3.1.1:MQTT-4.7.1-1] [v3.1.1:MQTT-4.7.1-2] [v3.1.1:MQTT-4.7.1-3] [v3.1.1:MQTT-3.8.3-2]
func scenarioWildcards(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("wc")
	sub := dialRaw(t, b.Addr, codec.V5)
	sub.connectOK(uid("wcsub"))
	filters := []string{p + "/sport/#", p + "/+/player1", p + "/+", "+/" + p[3:] + "x/#"}
	_ = filters
	sa := sub.subscribe(1,
		codec.Subscription{Filter: p + "/sport/#", QoS: 0},
		codec.Subscription{Filter: p + "/+/player1", QoS: 0},
		codec.Subscription{Filter: p + "/+/+/+", QoS: 0},
	)
	assert.Equal(t, []codec.ReasonCode{0, 0, 0}, sa.ReasonCodes)
	pub := dialRaw(t, b.Addr, codec.V5)
	pub.connectOK(uid("wcpub"))
	cases := []struct {
		topic string
		match bool
	}{
		{p + "/sport", true},           // "#" includes the parent level
		{p + "/sport/tennis/x", true},  // and every level below
		{p + "/tennis/player1", true},  // "+" one level
		{p + "/tennis/player2", false}, // ...exactly
		{p + "/a/b", false},
		{p + "/a/b/c", true}, // +/+/+
		{p + "//player1", true},
		{p + "/sportx", false},
	}
	for _, c := range cases {
		pub.send(&codec.Publish{Topic: c.topic, Payload: []byte(c.topic)})
	}
	pub.send(&codec.Publish{Topic: p + "/sport/end", Payload: []byte("end")})
	for _, c := range cases {
		if !c.match {
			continue
		}
		m := sub.readPublish()
		assert.Equal(t, c.topic, m.Topic)
		assert.Equal(t, c.topic, string(m.Payload))
	}
	assert.Equal(t, "end", string(sub.readPublish().Payload), "a non-matching topic was delivered")

	// Invalid filters: SUBACK 0x8F or DISCONNECT 0x81/0x82.
	for _, f := range []string{p + "/a#", p + "/#/b", p + "/a+/b", p + "/+a"} {
		r := dialRaw(t, b.Addr, codec.V5)
		r.connectOK(uid("wcbad"))
		r.send(&codec.Subscribe{PacketID: 3, Subscriptions: []codec.Subscription{{Filter: f}}})
		pk, err := r.next()
		if err != nil {
			continue
		}
		switch pk := pk.(type) {
		case *codec.Suback:
			assert.Equal(t, []codec.ReasonCode{codec.TopicFilterInvalid}, pk.ReasonCodes, f)
		case *codec.Disconnect:
			assert.Contains(t, []codec.ReasonCode{codec.MalformedPacket, codec.ProtocolError, codec.TopicFilterInvalid}, pk.ReasonCode, f)
		default:
			t.Errorf("%s: got %T", f, pk)
		}
	}
}

// scenarioDollarTopics is the Paho "$ topics" test: filters starting with
// a wildcard do not match topics starting with "$"; explicit ones do.
// [MQTT-4.7.2-1] [v3.1.1:MQTT-4.7.2-1]
func scenarioDollarTopics(t *testing.T, tg *Target) {
	b := tg.Start(t)
	u := uid("dl")
	c := connectV5(t, b.Addr, uid("dlc"))
	c.sub(1, "+/"+u+"/#", "$cf/"+u+"/x", "+/+/"+u)
	c.pub("$cf/"+u+"/x", 1, false, "dollar") // matches only the explicit filter
	c.pub("$cf/"+u+"/y", 1, false, "hidden") // would match +/u/# if $ were ordinary
	c.pub("$cf/a/"+u, 1, false, "hidden")    // would match +/+/u
	m := c.recv()
	assert.Equal(t, "dollar", string(m.Payload))
	barrier(t, c, c, "plain/"+u+"/b")

	c3 := connectV3(t, b.Addr, uid("dl3"), true)
	c3.sub(1, "+/"+u+"/v3")
	c.pub("$cf/"+u+"/v3", 1, false, "hidden")
	c.pub("p/"+u+"/v3", 1, false, "visible")
	assert.Equal(t, "visible", string(c3.recv().Payload()))
}

// scenarioNoNormalisation: topics are matched byte for byte: no Unicode
// normalisation, case folding or BOM stripping.
// [MQTT-4.7.3-4] [MQTT-1.5.4-3] [v3.1.1:MQTT-4.7.3-4] [v3.1.1:MQTT-1.5.3-3]
func scenarioNoNormalisation(t *testing.T, tg *Target) {
	b := tg.Start(t)
	u := uid("nn")
	c := connectV5(t, b.Addr, uid("nnc"))
	c.sub(1, u+"/\uFEFFbom", u+"/Café", u+"/A")
	c.pub(u+"/bom", 1, false, "no bom")      // would match if the BOM were stripped
	c.pub(u+"/Cafe\u0301", 1, false, "nfd")  // NFD form of Café
	c.pub(u+"/a", 1, false, "lower")         // case differs
	c.pub(u+"/\uFEFFbom", 1, false, "exact") // matches, BOM intact
	m := c.recv()
	assert.Equal(t, "exact", string(m.Payload))
	assert.Equal(t, u+"/\uFEFFbom", m.Topic)
	barrier(t, c, c, u+"/A")
}

// scenarioSubscribeUnsubscribe is the Paho "unsubscribe" test plus the
// SUBSCRIBE rules: several filters in one packet, replacing an existing
// subscription, exact matching of UNSUBSCRIBE filters.
// [MQTT-3.8.4-3] [MQTT-3.8.4-5] [MQTT-3.8.4-6] [MQTT-3.9.3-1] [MQTT-3.10.4-1] [MQTT-3.10.4-2] [MQTT-3.10.4-4]
// [MQTT-3.10.4-5] [MQTT-3.10.4-6] [MQTT-3.11.3-1] [MQTT-3.11.3-2] [MQTT-3.9.3-2]
// [v3.1.1:MQTT-3.8.4-3] [v3.1.1:MQTT-3.8.4-4] [v3.1.1:MQTT-3.8.4-5] [v3.1.1:MQTT-3.9.3-1] [v3.1.1:MQTT-3.10.4-1]
// [v3.1.1:MQTT-3.10.4-2] [v3.1.1:MQTT-3.10.4-4] [v3.1.1:MQTT-3.10.4-5] [v3.1.1:MQTT-3.10.4-6] [v3.1.1:MQTT-3.9.3-2]
func scenarioSubscribeUnsubscribe(t *testing.T, tg *Target) {
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			p := uid("su")
			r := dialRaw(t, b.Addr, v)
			r.connectOK(uid("suc"))
			sa := r.subscribe(1,
				codec.Subscription{Filter: p + "/a", QoS: 2},
				codec.Subscription{Filter: p + "/b", QoS: 0},
				codec.Subscription{Filter: p + "/+", QoS: 1},
				codec.Subscription{Filter: p + "/c", QoS: 1})
			assert.Equal(t, []codec.ReasonCode{2, 0, 1, 1}, sa.ReasonCodes, "one code per filter, in order")
			// Re-subscribing replaces: p/a at QoS 0 now.
			sa = r.subscribe(2, codec.Subscription{Filter: p + "/a", QoS: 0})
			assert.Equal(t, []codec.ReasonCode{0}, sa.ReasonCodes)

			// UNSUBSCRIBE compares filters character by character: "p/x"
			// does not remove "p/+".
			r.send(&codec.Unsubscribe{PacketID: 3, Filters: []string{p + "/+", p + "/b", p + "/x"}})
			ua, ok := r.read().(*codec.Unsuback)
			require.True(t, ok)
			assert.Equal(t, uint16(3), ua.PacketID)
			if v == codec.V5 {
				assert.Equal(t, []codec.ReasonCode{0, 0, codec.NoSubscriptionExisted}, ua.ReasonCodes)
			}
			pub := dialRaw(t, b.Addr, v)
			pub.connectOK(uid("supub"))
			for _, s := range []string{"b", "a", "x", "c"} {
				pub.send(&codec.Publish{Topic: p + "/" + s, QoS: 1, PacketID: 1, Payload: []byte(s)})
				_, ok := pub.read().(*codec.Puback)
				require.True(t, ok)
			}
			m := r.readPublish()
			assert.Equal(t, "a", string(m.Payload), "p/b unsubscribed, p/+ gone")
			assert.Equal(t, codec.QoS(0), m.QoS, "the replaced subscription's QoS")
			m = r.readPublish()
			assert.Equal(t, "c", string(m.Payload))
			assert.Equal(t, codec.QoS(1), m.QoS)
		})
	}
}

// scenarioSubscribeFailure is the Paho "subscribe failure" test: a filter
// the server refuses gets a failure code in SUBACK (0x87 in v5, 0x80 in
// v3.1.1) and the other filters of the packet are still granted.
// A v3.1.1 PUBLISH the server does not authorise is acknowledged or the
// connection closed. [v3.1.1:MQTT-3.3.5-2]
// [MQTT-3.8.4-7] [MQTT-3.9.3-2] [v3.1.1:MQTT-3.8.4-5] [v3.1.1:MQTT-3.9.3-2]
func scenarioSubscribeFailure(t *testing.T, tg *Target) {
	if !tg.auth.ledger {
		t.Skip("needs a broker that refuses some filter (the authledger combination)")
	}
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		r := dialRaw(t, b.Addr, v)
		r.connectOK(uid("sf"))
		sa := r.subscribe(5, codec.Subscription{Filter: topicDenied, QoS: 1}, codec.Subscription{Filter: uid("sf") + "/ok", QoS: 1})
		want := codec.NotAuthorized
		if v != codec.V5 {
			want = 0x80
		}
		assert.Equal(t, []codec.ReasonCode{want, 1}, sa.ReasonCodes)
		if v == codec.V311 {
			r.send(&codec.Publish{Topic: topicDenied, QoS: 1, PacketID: 9})
			if p, err := r.next(); err == nil {
				ack, ok := p.(*codec.Puback)
				require.True(t, ok, "PUBACK or close, got %T", p)
				assert.Equal(t, uint16(9), ack.PacketID)
			}
		}
	}
}
