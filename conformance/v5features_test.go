// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// scenarioShared is the Paho "shared subscriptions" test: each message
// goes to exactly one member of a group, at that member's granted QoS;
// No Local on a shared subscription is a protocol error; malformed share
// names are refused.
// [MQTT-4.8.2-1] [MQTT-4.8.2-2] [MQTT-4.8.2-3] [MQTT-3.8.3-4]
func scenarioShared(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("sh")
	filter := "$share/" + uid("g") + "/" + p + "/#"
	a, c := connectV5(t, b.Addr, uid("sha")), connectV5(t, b.Addr, uid("shb"))
	a.sub(1, filter)
	c.sub(0, filter)
	pub := connectV5(t, b.Addr, uid("shpub"))
	const n = 20
	for i := range n {
		pub.pub(p+"/t", 1, false, fmt.Sprint(i))
	}
	seen := map[string]bool{}
	deadline := time.After(waitFor)
	for len(seen) < n {
		select {
		case m := <-a.msgs:
			assert.Equal(t, byte(1), m.QoS)
			assert.False(t, seen[string(m.Payload)], "duplicate %s", m.Payload)
			seen[string(m.Payload)] = true
		case m := <-c.msgs:
			assert.Equal(t, byte(0), m.QoS, "granted QoS 0 respected")
			assert.False(t, seen[string(m.Payload)], "duplicate %s", m.Payload)
			seen[string(m.Payload)] = true
		case <-deadline:
			t.Fatalf("only %d of %d shared messages arrived", len(seen), n)
		}
	}

	for _, bad := range []string{"$share//" + p, "$share/g+/" + p, "$share/g", "$share/g/"} {
		r := dialRaw(t, b.Addr, codec.V5)
		r.connectOK(uid("shbad"))
		r.send(&codec.Subscribe{PacketID: 2, Subscriptions: []codec.Subscription{{Filter: bad}}})
		pk, err := r.next()
		if err != nil {
			continue
		}
		switch pk := pk.(type) {
		case *codec.Suback:
			assert.Equal(t, []codec.ReasonCode{codec.TopicFilterInvalid}, pk.ReasonCodes, bad)
		case *codec.Disconnect:
			assert.Contains(t, []codec.ReasonCode{codec.MalformedPacket, codec.ProtocolError, codec.TopicFilterInvalid}, pk.ReasonCode, bad)
		default:
			t.Errorf("%s: got %T", bad, pk)
		}
	}
	r := dialRaw(t, b.Addr, codec.V5)
	r.connectOK(uid("shnl"))
	r.send(&codec.Subscribe{PacketID: 2, Subscriptions: []codec.Subscription{{Filter: filter, NoLocal: true}}})
	r.expectDisconnect(codec.ProtocolError)
}

// scenarioSubscriptionIDs: a subscription's identifier is sent with each
// message it matches; a subscription without one gets none.
// [MQTT-3.3.4-3] [MQTT-3.3.4-5]
func scenarioSubscriptionIDs(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("sid")
	c := connectV5(t, b.Addr, uid("sidc"))
	id := 7
	_, err := c.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: p + "/with", QoS: 1}},
		Properties: &paho.SubscribeProperties{SubscriptionIdentifier: &id}})
	require.NoError(t, err)
	c.sub(1, p+"/without")
	c.pub(p+"/with", 1, false, "a")
	assert.Equal(t, []int{7}, subIDs(c.recv()))
	c.pub(p+"/without", 1, false, "b")
	assert.Empty(t, subIDs(c.recv()))
	// Updating the subscription updates its identifier.
	id2 := 9
	_, err = c.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: p + "/with", QoS: 1}},
		Properties: &paho.SubscribeProperties{SubscriptionIdentifier: &id2}})
	require.NoError(t, err)
	c.pub(p+"/with", 1, false, "c")
	assert.Equal(t, []int{9}, subIDs(c.recv()))
}

// scenarioNoLocal: with No Local, a client does not receive its own
// messages; others still do.
// [MQTT-3.8.3-3]
func scenarioNoLocal(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("nl")
	c := connectV5(t, b.Addr, uid("nlc"))
	other := connectV5(t, b.Addr, uid("nlo"))
	_, err := c.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: p + "/t", QoS: 1, NoLocal: true}}})
	require.NoError(t, err)
	other.sub(1, p+"/t")
	c.pub(p+"/t", 1, false, "own")
	assert.Equal(t, "own", string(other.recv().Payload))
	other.pub(p+"/t", 1, false, "theirs")
	assert.Equal(t, "theirs", string(c.recv().Payload), "own message must not have been delivered")
}

// scenarioTopicAliasClient is the Paho "client topic aliases" test: the
// server accepts aliases from 1 to its Topic Alias Maximum; alias 0, an
// alias above the maximum or an unknown alias end the connection; aliases
// do not survive a reconnect.
// [MQTT-3.3.2-7] [MQTT-3.3.2-8] [MQTT-3.3.2-12] [MQTT-3.2.2-17] [MQTT-3.3.2-9]
func scenarioTopicAliasClient(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("ta")
	sub := connectV5(t, b.Addr, uid("tasub"))
	sub.sub(1, p+"/#")
	id := uid("tac")
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: id, CleanStart: true, KeepAlive: 30})
	require.Equal(t, codec.Success, ca.ReasonCode)
	if ca.Properties.TopicAliasMaximum == nil || *ca.Properties.TopicAliasMaximum == 0 {
		t.Skip("server accepts no topic aliases")
	}
	maxAlias := *ca.Properties.TopicAliasMaximum
	for _, alias := range []uint16{1, maxAlias} {
		r.send(&codec.Publish{Topic: p + "/set", QoS: 1, PacketID: 1, Properties: codec.Properties{TopicAlias: codec.Ptr(alias)}, Payload: []byte("set")})
		_, ok := r.read().(*codec.Puback)
		require.True(t, ok)
		r.send(&codec.Publish{Topic: "", QoS: 1, PacketID: 2, Properties: codec.Properties{TopicAlias: codec.Ptr(alias)}, Payload: []byte("use")})
		_, ok = r.read().(*codec.Puback)
		require.True(t, ok)
		for _, want := range []string{"set", "use"} {
			m := sub.recv()
			assert.Equal(t, p+"/set", m.Topic)
			assert.Equal(t, want, string(m.Payload))
			assert.True(t, m.Properties == nil || m.Properties.TopicAlias == nil, "server sends no aliases to a client that allows none")
		}
	}
	r.nc.Close()
	// New connection: the alias is unknown.
	r = dialRaw(t, b.Addr, codec.V5)
	r.connectOK(id)
	r.send(&codec.Publish{Topic: "", Properties: codec.Properties{TopicAlias: codec.Ptr[uint16](1)}, Payload: []byte("x")})
	r.expectDisconnect(codec.ProtocolError)

	for _, alias := range []uint16{0, maxAlias + 1} {
		if alias == 0 && maxAlias == 65535 {
			continue
		}
		r = dialRaw(t, b.Addr, codec.V5)
		r.connectOK(uid("tabad"))
		r.send(&codec.Publish{Topic: p + "/x", Properties: codec.Properties{TopicAlias: codec.Ptr(alias)}, Payload: []byte("x")})
		r.expectDisconnect(codec.TopicAliasInvalid)
	}
}

// scenarioTopicAliasServer is the Paho "server topic aliases" test. A
// server may send topic aliases to clients that allow them (it is
// optional; wrenmq does). Whatever the server does, it never exceeds the
// client's Topic Alias Maximum and sends none when it is absent.
// [MQTT-3.1.2-26] [MQTT-3.1.2-27] [MQTT-3.3.2-11]
func scenarioTopicAliasServer(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("tas")
	for _, max := range []*uint16{nil, codec.Ptr[uint16](2)} {
		r := dialRaw(t, b.Addr, codec.V5)
		ca := r.connect(&codec.Connect{ClientID: uid("tasc"), CleanStart: true, KeepAlive: 30, Properties: codec.Properties{TopicAliasMaximum: max}})
		require.Equal(t, codec.Success, ca.ReasonCode)
		r.subscribe(1, codec.Subscription{Filter: p + "/#"})
		pub := connectV5(t, b.Addr, uid("taspub"))
		for i := range 6 {
			pub.pub(fmt.Sprintf("%s/%d", p, i%3), 0, false, "x")
			m := r.readPublish()
			if a := m.Properties.TopicAlias; a != nil {
				require.NotNil(t, max, "alias sent to a client that allows none")
				assert.LessOrEqual(t, *a, *max)
				assert.NotZero(t, *a)
			}
		}
	}
}

// scenarioReceiveMaximum is the Paho "flow control" test: the server
// sends no more unacknowledged QoS 1/2 messages than the client's Receive
// Maximum, keeps answering other packets meanwhile, and sends more as
// acknowledgements come.
// [MQTT-3.3.4-9] [MQTT-3.3.4-10] [MQTT-4.9.0-1] [MQTT-4.9.0-2] [MQTT-4.9.0-3]
func scenarioReceiveMaximum(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("rm")
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("rmc"), CleanStart: true, KeepAlive: 30, Properties: codec.Properties{ReceiveMaximum: codec.Ptr[uint16](2)}})
	require.Equal(t, codec.Success, ca.ReasonCode)
	r.subscribe(1, codec.Subscription{Filter: p + "/t", QoS: 2})
	pub := connectV5(t, b.Addr, uid("rmpub"))
	for i := range 5 {
		pub.pub(p+"/t", byte(1+i%2), false, fmt.Sprint(i))
	}
	m0, m1 := r.readPublish(), r.readPublish()
	// Everything was accepted by the server (PUBACK/PUBCOMP) before this
	// PINGREQ; a third PUBLISH would come before the PINGRESP.
	r.send(&codec.Pingreq{})
	_, ok := r.read().(*codec.Pingresp)
	require.True(t, ok, "only Receive Maximum (2) messages may be in flight; PINGRESP must not wait")
	// QoS 0 is not limited.
	pub.pub(p+"/t", 0, false, "q0")
	// Free one slot (m0 is QoS 1).
	r.send(&codec.Puback{PacketID: m0.PacketID})
	var q0, m2 *codec.Publish
	for q0 == nil || m2 == nil {
		m := r.readPublish()
		if m.QoS == 0 {
			q0 = m
		} else {
			require.Nil(t, m2, "a second slot was used")
			m2 = m
		}
	}
	assert.Equal(t, "2", string(m2.Payload))
	r.send(&codec.Pingreq{})
	_, ok = r.read().(*codec.Pingresp)
	require.True(t, ok)
	// Complete m1 (QoS 2) and m2 (QoS 1): the last two arrive.
	r.send(&codec.Pubrec{PacketID: m1.PacketID})
	_, ok = r.read().(*codec.Pubrel)
	require.True(t, ok)
	r.send(&codec.Pubcomp{PacketID: m1.PacketID})
	r.send(&codec.Puback{PacketID: m2.PacketID})
	assert.Equal(t, "3", string(r.readPublish().Payload))
	assert.Equal(t, "4", string(r.readPublish().Payload))
}

// scenarioMaximumPacketSize is the Paho "maximum packet size" test: the
// server skips messages larger than the client's Maximum Packet Size
// (and goes on as if it had sent them); it advertises its own and
// disconnects with 0x95 a client that exceeds it.
// [MQTT-3.1.2-24] [MQTT-3.1.2-25] [MQTT-3.2.2-15]
func scenarioMaximumPacketSize(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("mps")
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("mpsc"), CleanStart: true, KeepAlive: 30, Properties: codec.Properties{MaximumPacketSize: codec.Ptr[uint32](128)}})
	require.Equal(t, codec.Success, ca.ReasonCode)
	r.subscribe(1, codec.Subscription{Filter: p + "/t", QoS: 1})
	pub := connectV5(t, b.Addr, uid("mpspub"))
	pub.pub(p+"/t", 1, false, strings.Repeat("x", 200))
	pub.pub(p+"/t", 1, false, "small")
	m := r.readPublish()
	assert.Equal(t, "small", string(m.Payload), "the oversized message must be skipped")
	r.send(&codec.Puback{PacketID: m.PacketID})
	r.send(&codec.Pingreq{})
	_, ok := r.read().(*codec.Pingresp)
	require.True(t, ok, "the skipped message is not redelivered")

	if !tg.InProcess() {
		return
	}
	b2 := tg.Start(t, func(o *broker.Options) { o.Capabilities.MaximumPacketSize = 256 })
	r = dialRaw(t, b2.Addr, codec.V5)
	ca = r.connect(&codec.Connect{ClientID: uid("mps2"), CleanStart: true, KeepAlive: 30})
	require.NotNil(t, ca.Properties.MaximumPacketSize)
	assert.Equal(t, uint32(256), *ca.Properties.MaximumPacketSize)
	r.send(&codec.Publish{Topic: p + "/big", Payload: make([]byte, 300)})
	r.expectDisconnect(codec.PacketTooLarge)
}

// scenarioMessageExpiry: an expired message is not delivered (queued for
// an offline session or retained); a delivered one carries the remaining
// expiry interval.
// [MQTT-3.3.2-5] [MQTT-3.3.2-6]
func scenarioMessageExpiry(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("me")
	id := uid("mec")
	expiry := uint32(60)
	// The subscriber's will tells the publisher that the server has taken
	// the session offline: a message published before that would go to
	// the closing connection and be resent later as in flight, expired or
	// not (its onward delivery had started).
	cp := &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30, Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry},
		WillMessage: &paho.WillMessage{Topic: p + "/gone", QoS: 1, Payload: []byte("offline")}}
	pub := connectV5(t, b.Addr, uid("mepub"))
	pub.sub(1, p+"/gone")
	c, err := dialV5(t, b.Addr, cp, v5Opts{})
	require.NoError(t, err)
	c.sub(1, p+"/t")
	require.NoError(t, c.Disconnect(&paho.Disconnect{ReasonCode: 0x04})) // with will
	<-c.Done()
	require.Equal(t, "offline", string(pub.recv().Payload))
	cp.WillMessage = nil
	pubExp := func(topic string, retain bool, exp uint32, payload string) {
		_, err := pub.Publish(ctxT(t), &paho.Publish{Topic: topic, QoS: 1, Retain: retain, Payload: []byte(payload),
			Properties: &paho.PublishProperties{MessageExpiry: &exp}})
		require.NoError(t, err)
	}
	pubExp(p+"/t", false, 1, "short")
	pubExp(p+"/t", false, 60, "long")
	pubExp(p+"/r", true, 1, "short retained")
	// The subject of this test is the passage of time itself.
	time.Sleep(2100 * time.Millisecond)
	cp.CleanStart = false
	c, err = dialV5(t, b.Addr, cp, v5Opts{})
	require.NoError(t, err)
	m := c.recv()
	assert.Equal(t, "long", string(m.Payload), "the expired message must be dropped")
	require.NotNil(t, m.Properties.MessageExpiry)
	assert.Less(t, *m.Properties.MessageExpiry, uint32(59), "expiry reduced by the time waited")
	assert.Greater(t, *m.Properties.MessageExpiry, uint32(50))
	c.sub(1, p+"/r")
	barrier(t, pub, c, p+"/t")
}

// scenarioRequestResponse is the Paho "request/response" test: Response
// Topic, Correlation Data, Content Type and Payload Format Indicator reach
// the responder unaltered; the response reaches the requester; Response
// Information is sent only when requested.
// [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-20] [MQTT-3.1.2-28]
func scenarioRequestResponse(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("rr")
	responder := connectV5(t, b.Addr, uid("rrresp"))
	responder.sub(1, p+"/req")
	requester := connectV5(t, b.Addr, uid("rrreq"))
	requester.sub(1, p+"/resp")
	pf := byte(1)
	_, err := requester.Publish(ctxT(t), &paho.Publish{Topic: p + "/req", QoS: 1, Payload: []byte("ping"),
		Properties: &paho.PublishProperties{ResponseTopic: p + "/resp", CorrelationData: []byte{0, 1, 0xff}, ContentType: "text/plain; x=1", PayloadFormat: &pf}})
	require.NoError(t, err)
	req := responder.recv()
	require.NotNil(t, req.Properties)
	assert.Equal(t, p+"/resp", req.Properties.ResponseTopic)
	assert.Equal(t, []byte{0, 1, 0xff}, req.Properties.CorrelationData)
	assert.Equal(t, "text/plain; x=1", req.Properties.ContentType)
	require.NotNil(t, req.Properties.PayloadFormat)
	assert.Equal(t, byte(1), *req.Properties.PayloadFormat)
	_, err = responder.Publish(ctxT(t), &paho.Publish{Topic: req.Properties.ResponseTopic, QoS: 1, Payload: []byte("pong"),
		Properties: &paho.PublishProperties{CorrelationData: req.Properties.CorrelationData}})
	require.NoError(t, err)
	resp := requester.recv()
	assert.Equal(t, "pong", string(resp.Payload))
	assert.Equal(t, []byte{0, 1, 0xff}, resp.Properties.CorrelationData)
	assert.Nil(t, resp.Properties.PayloadFormat, "no payload format was sent with the response")

	if !tg.InProcess() {
		return
	}
	b2 := tg.Start(t, func(o *broker.Options) { o.ResponseInfo = "resp/base" })
	for _, ask := range []bool{false, true} {
		r := dialRaw(t, b2.Addr, codec.V5)
		var req *byte
		if ask {
			req = codec.Ptr[byte](1)
		}
		ca := r.connect(&codec.Connect{ClientID: uid("rri"), CleanStart: true, Properties: codec.Properties{RequestResponseInfo: req}})
		if ask {
			require.NotNil(t, ca.Properties.ResponseInfo)
			assert.Equal(t, "resp/base", *ca.Properties.ResponseInfo)
		} else {
			assert.Nil(t, ca.Properties.ResponseInfo, "Response Information sent without a request")
		}
	}
}

// scenarioUserProperties is the Paho "user properties" test: user
// properties, repeated keys included, are forwarded unaltered and in order.
// [MQTT-3.3.2-17] [MQTT-3.3.2-18]
func scenarioUserProperties(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("up")
	c := connectV5(t, b.Addr, uid("upc"))
	c.sub(2, p+"/t")
	users := paho.UserProperties{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "b", Value: "1"}, {Key: "ü", Value: ""}, {Key: "a", Value: "0"}}
	for q := range byte(3) {
		_, err := c.Publish(ctxT(t), &paho.Publish{Topic: p + "/t", QoS: q, Payload: []byte("x"), Properties: &paho.PublishProperties{User: users}})
		require.NoError(t, err)
		m := c.recv()
		require.NotNil(t, m.Properties)
		assert.Equal(t, users, m.Properties.User)
	}
}

// scenarioRequestProblemInfo: with Request Problem Information 0 the
// server sends no Reason String or User Properties on a SUBACK.
// [MQTT-3.1.2-29]
func scenarioRequestProblemInfo(t *testing.T, tg *Target) {
	needInProcess(t, tg)
	b := tg.Start(t, func(o *broker.Options) { o.Capabilities.DisableWildcards = true })
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("rpi"), CleanStart: true, Properties: codec.Properties{RequestProblemInfo: codec.Ptr[byte](0)}})
	require.Equal(t, codec.Success, ca.ReasonCode)
	sa := r.subscribe(1, codec.Subscription{Filter: "a/#"})
	assert.Equal(t, []codec.ReasonCode{codec.WildcardSubscriptionsNotSupported}, sa.ReasonCodes)
	assert.Nil(t, sa.Properties.ReasonString)
	assert.Empty(t, sa.Properties.User)
}

// scenarioMaximumQoS: a server limited to QoS 1 says so in CONNACK, still
// accepts subscriptions at QoS 2 (granting 1), refuses a QoS 2 will and
// disconnects a client that publishes at QoS 2.
// [MQTT-3.2.2-9] [MQTT-3.2.2-10] [MQTT-3.2.2-11] [MQTT-3.2.2-12]
func scenarioMaximumQoS(t *testing.T, tg *Target) {
	needInProcess(t, tg)
	b := tg.Start(t, func(o *broker.Options) { o.Capabilities.MaximumQoS = 1; o.Capabilities.MaximumQoSSet = true })
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("mq"), CleanStart: true})
	require.Equal(t, codec.Success, ca.ReasonCode)
	require.NotNil(t, ca.Properties.MaximumQoS)
	assert.Equal(t, byte(1), *ca.Properties.MaximumQoS)
	sa := r.subscribe(1, codec.Subscription{Filter: "mq/t", QoS: 2})
	assert.Equal(t, []codec.ReasonCode{1}, sa.ReasonCodes)
	r.send(&codec.Publish{Topic: "mq/t", QoS: 2, PacketID: 1})
	r.expectDisconnect(codec.QoSNotSupported)

	r = dialRaw(t, b.Addr, codec.V5)
	ca = r.connect(&codec.Connect{ClientID: uid("mqw"), CleanStart: true, Will: &codec.Will{QoS: 2, Topic: "mq/w"}})
	assert.Equal(t, codec.QoSNotSupported, ca.ReasonCode)
	r.expectClosed()
}

// scenarioRetainUnavailable: a server without retained messages says so,
// refuses a retained will and disconnects a client publishing retained.
// [MQTT-3.2.2-13] [MQTT-3.2.2-14]
func scenarioRetainUnavailable(t *testing.T, tg *Target) {
	needInProcess(t, tg)
	b := tg.Start(t, func(o *broker.Options) { o.Capabilities.DisableRetain = true })
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("ru"), CleanStart: true})
	require.NotNil(t, ca.Properties.RetainAvailable)
	assert.Equal(t, byte(0), *ca.Properties.RetainAvailable)
	r.send(&codec.Publish{Topic: "ru/t", Retain: true})
	r.expectDisconnect(codec.RetainNotSupported)

	r = dialRaw(t, b.Addr, codec.V5)
	ca = r.connect(&codec.Connect{ClientID: uid("ruw"), CleanStart: true, Will: &codec.Will{Retain: true, Topic: "ru/w"}})
	assert.Equal(t, codec.RetainNotSupported, ca.ReasonCode)
	r.expectClosed()
}
