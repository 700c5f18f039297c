// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// rawConnect encodes a CONNECT by hand: protocol name and level, flags,
// keep alive 60, empty v5 properties, then each payload field as a
// length-prefixed string, whatever the flags announce.
func rawConnect(v codec.Version, flags byte, fields ...string) []byte {
	name := "MQTT"
	if v == codec.V31 {
		name = "MQIsdp"
	}
	body := append([]byte{0, byte(len(name))}, name...)
	body = append(body, byte(v), flags, 0, 60)
	if v == codec.V5 {
		body = append(body, 0) // no properties
	}
	for _, f := range fields {
		body = append(body, byte(len(f)>>8), byte(len(f)))
		body = append(body, f...)
	}
	return append([]byte{0x10, byte(len(body))}, body...)
}

// TestConnectPayloadMatchesFlags: a CONNECT whose payload holds a field
// its flags do not announce, or lacks the client identifier, is malformed:
// v5 clients get CONNACK 0x81, v3.1.1 clients a close without CONNACK,
// since no v3.1.1 return code describes a malformed CONNECT. The same
// CONNECT without the extra field is accepted.
// [MQTT-3.1.2-18] [v3.1.1:MQTT-3.1.2-18] [v3.1.1:MQTT-3.1.2-20]
// [v3.1.1:MQTT-3.1.3-3] [v3.1.1:MQTT-3.2.2-6]
func TestConnectPayloadMatchesFlags(t *testing.T) {
	const (
		user     = 0x80
		password = 0x40
		will     = 0x04
		clean    = 0x02
	)
	tests := []struct {
		name   string
		v      codec.Version
		flags  byte
		fields []string
		ok     bool
	}{
		{"v5 password without its flag", codec.V5, clean | user, []string{"c", "u", "pw"}, false}, // [MQTT-3.1.2-18]
		{"v5 user name and password flags", codec.V5, clean | user | password, []string{"c", "u", "pw"}, true},
		{"v5 user name without its flag", codec.V5, clean, []string{"c", "u"}, false},
		{"v5 no client identifier", codec.V5, clean, nil, false},
		{"v3.1.1 user name without its flag", codec.V311, clean, []string{"c", "u"}, false},             // [v3.1.1:MQTT-3.1.2-18]
		{"v3.1.1 password without its flag", codec.V311, clean | user, []string{"c", "u", "pw"}, false}, // [v3.1.1:MQTT-3.1.2-20]
		{"v3.1.1 user name and password flags", codec.V311, clean | user | password, []string{"c", "u", "pw"}, true},
		{"v3.1.1 no client identifier", codec.V311, clean, nil, false},                                          // [v3.1.1:MQTT-3.1.3-3]
		{"v3.1.1 will fields without client identifier", codec.V311, clean | will, []string{"w/t", "x"}, false}, // [v3.1.1:MQTT-3.1.3-3]
		{"v3.1.1 client identifier then will fields", codec.V311, clean | will, []string{"c", "w/t", "x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{})
			c := dial(t, ts, tt.v)
			c.write(rawConnect(tt.v, tt.flags, tt.fields...))
			switch {
			case tt.ok:
				ack := expectT[*codec.Connack](c)
				require.Equal(t, codec.Success, ack.ReasonCode)
				c.barrier()
			case tt.v == codec.V5:
				ack := expectT[*codec.Connack](c)
				require.Equal(t, codec.MalformedPacket, ack.ReasonCode)
				c.expectClosed()
			default:
				c.expectClosed() // [v3.1.1:MQTT-3.2.2-6] no CONNACK
			}
		})
	}
}

// TestV3RefusalWithoutReturnCode: a v3.1.1 CONNECT the server refuses for
// a reason no v3.1.1 return code describes (a will QoS or retain flag it
// does not support) is closed without CONNACK, where a v5 client gets the
// reason code; a refusal with a v3 equivalent keeps its return code.
// [v3.1.1:MQTT-3.2.2-6]
func TestV3RefusalWithoutReturnCode(t *testing.T) {
	tests := []struct {
		name string
		caps broker.Capabilities
		will *codec.Will
		code codec.ReasonCode // v5
	}{
		{"will QoS above maximum", broker.Capabilities{MaximumQoS: 1}, &codec.Will{Topic: "w", Payload: []byte("x"), QoS: 2}, codec.QoSNotSupported},
		{"will retain unavailable", broker.Capabilities{DisableRetain: true}, &codec.Will{Topic: "w", Payload: []byte("x"), Retain: true}, codec.RetainNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{Capabilities: tt.caps})
			c5 := dial(t, ts, codec.V5)
			pk := newConnect(codec.V5, "w5")
			pk.Will = tt.will
			require.Equal(t, tt.code, c5.connect(pk).ReasonCode)
			c5.expectClosed()

			c3 := dial(t, ts, codec.V311)
			pk = newConnect(codec.V311, "w3")
			pk.Will = tt.will
			c3.send(pk)
			c3.expectClosed()
		})
	}
	t.Run("not authorized keeps its return code", func(t *testing.T) {
		ts := startServerHooks(t, broker.Options{})
		c := dial(t, ts, codec.V311)
		require.Equal(t, codec.ConnackV3NotAuthorized, c.connect(newConnect(codec.V311, "n")).ReasonCode)
		c.expectClosed()
	})
}

// tokenAuth is an enhanced authenticator for the method "token": data
// "good" authenticates, "more" asks for one more step, "wrong" fails with
// 0x86 (bad user name or password), anything else with 0x87.
type tokenAuth struct{}

func (tokenAuth) ID() string                       { return "token" }
func (tokenAuth) SupportsAuthMethod(m string) bool { return m == "token" }
func (tokenAuth) OnEnhancedAuth(_ *broker.ClientInfo, ex *broker.AuthExchange) broker.AuthResult {
	switch string(ex.Data) {
	case "good":
		return broker.AuthResult{Code: codec.Success}
	case "more":
		return broker.AuthResult{Code: codec.ContinueAuthentication, Data: []byte("?")}
	case "wrong":
		return broker.AuthResult{Code: codec.BadUsernameOrPassword}
	}
	return broker.AuthResult{Code: codec.NotAuthorized}
}

func withToken(data string) connectOpt {
	return func(c *codec.Connect) {
		c.Properties.AuthMethod = codec.Ptr("token")
		c.Properties.AuthData = []byte(data)
	}
}

func reauth(data string) *codec.Auth {
	a := &codec.Auth{ReasonCode: codec.ReAuthenticate}
	a.Properties.AuthMethod = codec.Ptr("token")
	a.Properties.AuthData = []byte(data)
	return a
}

// TestReauthenticationFailure: a failed re-authentication ends the
// connection with DISCONNECT 0x87 and a close, also when the hook gives a
// code only CONNACK may carry (0x86); a successful one is answered with
// AUTH 0x00 and the connection goes on. [MQTT-4.12.1-2] [MQTT-3.14.2-1]
func TestReauthenticationFailure(t *testing.T) {
	ts := startServer(t, broker.Options{}, tokenAuth{})
	for _, data := range []string{"bad", "wrong"} {
		c := connectC(t, ts, codec.V5, "re-"+data, withToken("good"))
		c.send(reauth("good"))
		a := expectT[*codec.Auth](c)
		require.Equal(t, codec.Success, a.ReasonCode)
		c.barrier()
		c.send(reauth(data))
		c.expectDisconnect(codec.NotAuthorized)
	}
}

// statementsMaxPacket is a client Maximum Packet Size large enough for
// every packet the tests below provoke without a reason string or user
// property, and too small for any of them with one.
const statementsMaxPacket = 24

// checkSmall fails unless pk fits in statementsMaxPacket bytes and carries
// neither a Reason String nor a User Property.
func checkSmall(t *testing.T, pk codec.Packet) {
	t.Helper()
	b, err := codec.Append(nil, pk, codec.V5)
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), statementsMaxPacket, "%T %+v exceeds the client's maximum packet size", pk, pk)
	var props *codec.Properties
	switch p := pk.(type) {
	case *codec.Connack:
		props = &p.Properties
	case *codec.Puback:
		props = &p.Properties
	case *codec.Pubrec:
		props = &p.Properties
	case *codec.Pubrel:
		props = &p.Properties
	case *codec.Pubcomp:
		props = &p.Properties
	case *codec.Suback:
		props = &p.Properties
	case *codec.Unsuback:
		props = &p.Properties
	case *codec.Disconnect:
		props = &p.Properties
	case *codec.Auth:
		props = &p.Properties
	default:
		t.Fatalf("unexpected %T", pk)
	}
	require.Nil(t, props.ReasonString, "%T carries a reason string", pk)
	require.Empty(t, props.User, "%T carries user properties", pk)
}

func smallMax(c *codec.Connect) {
	c.Properties.MaximumPacketSize = codec.Ptr(uint32(statementsMaxPacket))
}

// TestNoPropertiesBeyondClientMaximumPacketSize: a v5 client with a small
// Maximum Packet Size provokes every acknowledgement the server sends,
// including the failures a reason string would explain (refused CONNECT,
// refused subscription, unknown unsubscription, publish without
// subscribers or not authorized, unknown packet identifiers, a protocol
// error, enhanced and re-authentication): each arrives within the size,
// without Reason String or User Property.
// [MQTT-3.2.2-19] [MQTT-3.2.2-20] [MQTT-3.4.2-3] [MQTT-3.5.2-2]
// [MQTT-3.5.2-3] [MQTT-3.6.2-2] [MQTT-3.6.2-3] [MQTT-3.7.2-2]
// [MQTT-3.7.2-3] [MQTT-3.9.2-1] [MQTT-3.9.2-2] [MQTT-3.11.2-1]
// [MQTT-3.11.2-2] [MQTT-3.14.2-3] [MQTT-3.14.2-4] [MQTT-3.15.2-2]
// [MQTT-3.15.2-3]
func TestNoPropertiesBeyondClientMaximumPacketSize(t *testing.T) {
	ts := startServer(t, broker.Options{}, tokenAuth{})

	// Refused CONNECTs: unknown method, failed enhanced authentication.
	for _, opt := range []connectOpt{
		func(c *codec.Connect) { c.Properties.AuthMethod = codec.Ptr("none") },
		withToken("bad"),
	} {
		c := dial(t, ts, codec.V5)
		ack := c.connect(newConnect(codec.V5, "refused", smallMax, opt))
		require.True(t, ack.ReasonCode.IsError())
		checkSmall(t, ack)
		c.expectClosed()
	}

	// Enhanced authentication in two steps, then re-authentication.
	c := dial(t, ts, codec.V5)
	c.send(newConnect(codec.V5, "small", smallMax, withToken("more")))
	a := expectT[*codec.Auth](c)
	require.Equal(t, codec.ContinueAuthentication, a.ReasonCode)
	checkSmall(t, a)
	cont := &codec.Auth{ReasonCode: codec.ContinueAuthentication}
	cont.Properties.AuthMethod = codec.Ptr("token")
	cont.Properties.AuthData = []byte("good")
	c.send(cont)
	ack := expectT[*codec.Connack](c)
	require.Equal(t, codec.Success, ack.ReasonCode)
	checkSmall(t, ack)
	c.send(reauth("good"))
	a = expectT[*codec.Auth](c)
	require.Equal(t, codec.Success, a.ReasonCode)
	checkSmall(t, a)

	// SUBACK with a granted and a refused filter; UNSUBACK with success
	// and "no subscription existed".
	c.sendIllegal(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{
		{Filter: "s/1", QoS: 2}, {Filter: "s/#/x", QoS: 1}}})
	sa := expectT[*codec.Suback](c)
	require.Equal(t, []codec.ReasonCode{codec.GrantedQoS2, codec.TopicFilterInvalid}, sa.ReasonCodes)
	checkSmall(t, sa)
	c.send(&codec.Unsubscribe{PacketID: 2, Filters: []string{"none/1", "none/2"}})
	ua := expectT[*codec.Unsuback](c)
	require.Equal(t, []codec.ReasonCode{codec.NoSubscriptionExisted, codec.NoSubscriptionExisted}, ua.ReasonCodes)
	checkSmall(t, ua)

	// PUBACK and PUBREC: no matching subscribers, not authorized.
	for i, topic := range []string{"nobody", "$SYS/x"} {
		id := uint16(10 + i)
		c.send(&codec.Publish{Topic: topic, QoS: 1, PacketID: id, Payload: []byte("x")})
		pa := expectT[*codec.Puback](c)
		require.True(t, pa.ReasonCode != codec.Success)
		checkSmall(t, pa)
		c.send(&codec.Publish{Topic: topic, QoS: 2, PacketID: id + 10, Payload: []byte("x")})
		pr := expectT[*codec.Pubrec](c)
		require.True(t, pr.ReasonCode != codec.Success)
		checkSmall(t, pr)
	}
	// PUBREC and PUBCOMP of an inbound QoS 2 flow; PUBCOMP for an unknown
	// identifier.
	c.send(&codec.Publish{Topic: "s/1", QoS: 2, PacketID: 30, Payload: []byte("x")})
	// The message comes back to the subscriber: PUBLISH and PUBREC in
	// either order.
	var (
		out *codec.Publish
		pr  *codec.Pubrec
	)
	for out == nil || pr == nil {
		switch p := c.expect().(type) {
		case *codec.Publish:
			out = p
		case *codec.Pubrec:
			require.Equal(t, uint16(30), p.PacketID)
			pr = p
		default:
			t.Fatalf("unexpected %T", p)
		}
	}
	checkSmall(t, pr)
	c.send(&codec.Pubrel{PacketID: 30})
	pc := expectT[*codec.Pubcomp](c)
	require.Equal(t, codec.Success, pc.ReasonCode)
	checkSmall(t, pc)
	c.send(&codec.Pubrel{PacketID: 31})
	pc = expectT[*codec.Pubcomp](c)
	require.Equal(t, codec.PacketIdentifierNotFound, pc.ReasonCode)
	checkSmall(t, pc)
	// PUBREL of the outbound flow; PUBREL for an unknown identifier.
	c.send(&codec.Pubrec{PacketID: out.PacketID})
	rel := expectT[*codec.Pubrel](c)
	require.Equal(t, codec.Success, rel.ReasonCode)
	checkSmall(t, rel)
	c.send(&codec.Pubcomp{PacketID: out.PacketID})
	c.send(&codec.Pubrec{PacketID: out.PacketID + 1})
	rel = expectT[*codec.Pubrel](c)
	require.Equal(t, codec.PacketIdentifierNotFound, rel.ReasonCode)
	checkSmall(t, rel)

	// A protocol error: DISCONNECT, whose reason string does not fit.
	c.send(&codec.Connect{ProtocolVersion: codec.V5, ClientID: "again"})
	d := expectT[*codec.Disconnect](c)
	require.Equal(t, codec.ProtocolError, d.ReasonCode)
	checkSmall(t, d)
	c.expectClosed()

	// A failed re-authentication: DISCONNECT 0x87.
	c = connectC(t, ts, codec.V5, "small2", smallMax, withToken("good"))
	c.send(reauth("bad"))
	d = expectT[*codec.Disconnect](c)
	require.Equal(t, codec.NotAuthorized, d.ReasonCode)
	checkSmall(t, d)
	c.expectClosed()
}

// TestUnsubscribeCompletesInflight: messages in flight when their
// subscription is removed are still delivered to completion: after
// UNSUBSCRIBE and a reconnect the server resends them (DUP) and completes
// their QoS 1 and QoS 2 flows, while new messages on the topics are no
// longer delivered. [MQTT-3.10.4-3] [v3.1.1:MQTT-3.10.4-3]
func TestUnsubscribeCompletesInflight(t *testing.T) {
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			ts := startServer(t, broker.Options{})
			sub := connectC(t, ts, v, "sub", persistent(300))
			sub.sub("u/1", 1)
			sub.sub("u/2", 2)
			pub := connectC(t, ts, v, "pub")
			pub.pub("u/1", "one", 1, false)
			pub.pub("u/2", "two", 2, false)
			p1 := sub.expectPublish()
			p2 := sub.expectPublish()
			require.Equal(t, "one", string(p1.Payload))
			require.Equal(t, "two", string(p2.Payload))

			sub.send(&codec.Unsubscribe{PacketID: sub.nextID(), Filters: []string{"u/1", "u/2"}})
			expectT[*codec.Unsuback](sub)
			// Still in flight: completing the QoS 2 flow is answered.
			sub.send(&codec.Pubrec{PacketID: p2.PacketID})
			rel := expectT[*codec.Pubrel](sub)
			require.Equal(t, p2.PacketID, rel.PacketID)
			sub.close()

			sub = connectC(t, ts, v, "sub", persistent(300))
			r1 := sub.expectPublish()
			require.True(t, r1.Dup)
			require.Equal(t, p1.PacketID, r1.PacketID)
			require.Equal(t, "one", string(r1.Payload))
			rel = expectT[*codec.Pubrel](sub)
			require.Equal(t, p2.PacketID, rel.PacketID)
			sub.send(&codec.Puback{PacketID: r1.PacketID})
			sub.send(&codec.Pubcomp{PacketID: rel.PacketID})
			sub.barrier()
			eventually(t, func() bool { return ts.Info().Inflight == 0 }, "deliveries completed")

			pub.pub("u/1", "late", 1, false)
			sub.barrier() // unsubscribed: nothing new arrives
		})
	}
}

// TestQoS2ExpiryAfterSend: once a QoS 2 PUBLISH was sent, message expiry
// no longer applies to it: after the message's expiry interval the server
// still resends it (DUP, with an expiry interval of at least 1) and its
// PUBREL, and completes both flows. As the receiver, the server completes
// a QoS 2 flow whose message expired before the PUBREL arrived.
// [MQTT-4.3.3-7] [MQTT-4.3.3-13]
func TestQoS2ExpiryAfterSend(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "sub", persistent(300))
	sub.sub("x/#", 2)
	pub := connectC(t, ts, codec.V5, "pub")
	expiring := func(topic string) *codec.Publish {
		return &codec.Publish{Topic: topic, Payload: []byte(topic), QoS: 2,
			Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(1))}}
	}
	pub.pubP(expiring("x/a"))
	pub.pubP(expiring("x/b"))
	a := sub.expectPublish()
	b := sub.expectPublish()
	sub.send(&codec.Pubrec{PacketID: b.PacketID})
	expectT[*codec.Pubrel](sub)
	sub.close()

	// The publisher's side of a third message stops after PUBREC.
	in := expiring("y/c")
	in.PacketID = 77
	pub.send(in)
	require.Equal(t, codec.NoMatchingSubscribers, expectT[*codec.Pubrec](pub).ReasonCode)

	time.Sleep(1500 * time.Millisecond) // every message's expiry passes

	pub.send(&codec.Pubrel{PacketID: 77})
	comp := expectT[*codec.Pubcomp](pub)
	require.Equal(t, uint16(77), comp.PacketID)
	require.Equal(t, codec.Success, comp.ReasonCode) // [MQTT-4.3.3-13]

	sub = connectC(t, ts, codec.V5, "sub", persistent(300))
	ra := sub.expectPublish() // [MQTT-4.3.3-7]
	require.True(t, ra.Dup)
	require.Equal(t, a.PacketID, ra.PacketID)
	require.Equal(t, "x/a", string(ra.Payload))
	require.NotNil(t, ra.Properties.MessageExpiry)
	require.GreaterOrEqual(t, *ra.Properties.MessageExpiry, uint32(1))
	rel := expectT[*codec.Pubrel](sub)
	require.Equal(t, b.PacketID, rel.PacketID)
	sub.send(&codec.Pubrec{PacketID: ra.PacketID})
	require.Equal(t, ra.PacketID, expectT[*codec.Pubrel](sub).PacketID)
	sub.send(&codec.Pubcomp{PacketID: ra.PacketID})
	sub.send(&codec.Pubcomp{PacketID: rel.PacketID})
	sub.barrier()
	eventually(t, func() bool { return ts.Info().Inflight == 0 }, "deliveries completed")
}

// preferA is a shared selector that always picks the member "a" when it
// is a member, so tests know who receives a shared message.
type preferA struct{}

func (preferA) Select(_, _ string, members []broker.SharedMember, _ int, _ *codec.Publish) int {
	for i, m := range members {
		if m.ClientID == "a" {
			return i
		}
	}
	return 0
}

// endedHook reports the clients whose session ended with their connection.
type endedHook struct{ ended chan string }

func (endedHook) ID() string { return "ended" }
func (h endedHook) OnDisconnect(cl *broker.ClientInfo, _ error, expired bool) {
	if expired {
		h.ended <- cl.ID
	}
}

// TestSharedDeliveryCompletion: a shared QoS 2 delivery interrupted by a
// broken connection is completed with the same member when it reconnects,
// and never sent to another member. [MQTT-4.8.2-4]
func TestSharedDeliveryCompletion(t *testing.T) {
	ts := startServer(t, broker.Options{SharedSelector: preferA{}})
	a := connectC(t, ts, codec.V5, "a", persistent(300))
	a.sub("$share/g/sh/4", 2)
	b := connectC(t, ts, codec.V5, "b", persistent(300))
	b.sub("$share/g/sh/4", 2)
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("sh/4", "one", 2, false)
	pub.pub("sh/4", "two", 2, false)
	p1 := a.expectPublish()
	p2 := a.expectPublish()
	a.send(&codec.Pubrec{PacketID: p2.PacketID})
	expectT[*codec.Pubrel](a)
	a.close()
	b.barrier()

	a = connectC(t, ts, codec.V5, "a", persistent(300))
	r1 := a.expectPublish()
	require.True(t, r1.Dup)
	require.Equal(t, p1.PacketID, r1.PacketID)
	require.Equal(t, "one", string(r1.Payload))
	rel := expectT[*codec.Pubrel](a)
	require.Equal(t, p2.PacketID, rel.PacketID)
	a.ack(r1)
	a.send(&codec.Pubcomp{PacketID: rel.PacketID})
	a.barrier()
	b.barrier()
	eventually(t, func() bool { return ts.Info().Inflight == 0 }, "deliveries completed")
}

// TestSharedSessionEnds: a QoS 2 message in flight to a shared member
// whose session ends before it reconnects is not sent to another member; a
// QoS 1 one is (section 4.8.2: SHOULD); the next message goes to the
// remaining member. [MQTT-4.8.2-5]
func TestSharedSessionEnds(t *testing.T) {
	h := endedHook{ended: make(chan string, 4)}
	ts := startServer(t, broker.Options{SharedSelector: preferA{}}, h)
	a := connectC(t, ts, codec.V5, "a") // session expiry 0: ends with the connection
	a.sub("$share/g/sh/5", 2)
	b := connectC(t, ts, codec.V5, "b")
	b.sub("$share/g/sh/5", 2)
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("sh/5", "one", 1, false)
	pub.pub("sh/5", "two", 2, false)
	require.Equal(t, "one", string(a.expectPublish().Payload))
	require.Equal(t, "two", string(a.expectPublish().Payload))
	a.close()
	select {
	case id := <-h.ended:
		require.Equal(t, "a", id)
	case <-time.After(waitFor):
		t.Fatal("the session of a did not end")
	}
	p := b.recv()
	require.Equal(t, "one", string(p.Payload))
	require.Equal(t, codec.QoS(1), p.QoS)
	b.ack(p)
	pub.pub("sh/5", "three", 1, false)
	require.Equal(t, "three", string(b.recv().Payload)) // "two" (QoS 2) never comes
	b.barrier()
}

// TestSharedQueuedGoToAnotherMember: QoS 1 messages a shared group queued
// for an offline member go to another member when that member's session
// ends (here, a clean-start CONNECT replaces it); QoS 2 ones do not.
// (Section 4.8.2.)
func TestSharedQueuedGoToAnotherMember(t *testing.T) {
	dc := make(disconnects, 2)
	ts := startServer(t, broker.Options{SharedSelector: preferA{}}, dc)
	a := connectC(t, ts, codec.V5, "a", persistent(300))
	a.sub("$share/g/sh/7", 2)
	b := connectC(t, ts, codec.V5, "b")
	b.sub("$share/g/sh/7", 2)
	a.close()
	dc.wait(t, "a")
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("sh/7", "q1", 1, false) // queued for the offline "a" (preferA)
	pub.pub("sh/7", "q2", 2, false)
	pub.pub("sh/7", "q3", 1, false)
	b.barrier()
	eventually(t, func() bool { return ts.Info().Queued == 3 }, "queued for a")

	a = connectC(t, ts, codec.V5, "a") // clean start: the old session ends
	var got []string
	for range 2 {
		p := b.recv()
		require.Equal(t, codec.QoS(1), p.QoS)
		b.ack(p)
		got = append(got, string(p.Payload))
	}
	require.Equal(t, []string{"q1", "q3"}, got)
	b.barrier() // never q2
	a.barrier() // the new session has nothing
}

// TestSharedNegativeAck: a shared member that answers PUBACK or PUBREC
// with a reason code of 0x80 or more ends the delivery: no PUBREL
// follows, nothing is resent to it after a reconnect, and no other
// member receives the message. [MQTT-4.8.2-6]
func TestSharedNegativeAck(t *testing.T) {
	ts := startServer(t, broker.Options{SharedSelector: preferA{}})
	a := connectC(t, ts, codec.V5, "a", persistent(300))
	a.sub("$share/g/sh/6", 2)
	b := connectC(t, ts, codec.V5, "b", persistent(300))
	b.sub("$share/g/sh/6", 2)
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("sh/6", "one", 1, false)
	pub.pub("sh/6", "two", 2, false)
	p1 := a.expectPublish()
	require.Equal(t, codec.QoS(1), p1.QoS)
	a.send(&codec.Puback{PacketID: p1.PacketID, ReasonCode: codec.UnspecifiedError})
	p2 := a.expectPublish()
	require.Equal(t, codec.QoS(2), p2.QoS)
	a.send(&codec.Pubrec{PacketID: p2.PacketID, ReasonCode: codec.ImplementationSpecificError})
	a.barrier() // no PUBREL
	b.barrier()
	eventually(t, func() bool { return ts.Info().Inflight == 0 }, "messages discarded")

	a.close()
	a = connectC(t, ts, codec.V5, "a", persistent(300))
	a.barrier() // nothing resent
	b.barrier()
}

// flakyBackend is a storage backend whose writes fail while fail is set.
type flakyBackend struct {
	*storage.Memory
	fail atomic.Bool
}

func (b *flakyBackend) Apply(ctx context.Context, ops []storage.Op) error {
	if b.fail.Load() {
		return errors.New("injected storage failure")
	}
	return b.Memory.Apply(ctx, ops)
}

// TestTransientErrorClosesConnection: when storage cannot make a QoS 1
// publication durable (a transient error inside the server), the
// publisher's connection is closed without PUBACK (v5: possibly after
// DISCONNECT 0x83), so that it resends the message on a new connection.
// [v3.1.1:MQTT-4.8.0-2]
func TestTransientErrorClosesConnection(t *testing.T) {
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			be := &flakyBackend{Memory: storage.NewMemory()}
			st := storage.NewStore(be, storage.Options{RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond, Logger: discardLogger})
			ts := startServer(t, broker.Options{Storage: st, WriteTimeout: 300 * time.Millisecond})
			defer be.fail.Store(false) // let Close flush
			sub := connectC(t, ts, v, "sub", persistent(300))
			sub.sub("t/q", 1) // SUBACK is sent once the subscription is durable

			pub := connectC(t, ts, v, "pub")
			be.fail.Store(true)
			pub.send(&codec.Publish{Topic: "t/q", QoS: 1, PacketID: 1, Payload: []byte("x")})
			// A v5 DISCONNECT may not get out either: writes to clients
			// wait for durability too.
			pk, err := pub.read(waitFor)
			if err == nil {
				require.Equal(t, codec.V5, v, "v3.1.1: got %T %+v, want a close", pk, pk)
				d, ok := pk.(*codec.Disconnect)
				require.True(t, ok, "got %T %+v, want DISCONNECT", pk, pk)
				require.Equal(t, codec.ImplementationSpecificError, d.ReasonCode)
				pub.expectClosed()
				return
			}
			require.True(t, isClosed(err), "the connection was not closed: %v", err)
		})
	}
}

// vetoB is an OnSelectSubscribers hook that never delivers to client "b".
type vetoB struct{}

func (vetoB) ID() string { return "veto-b" }

func (vetoB) OnSelectSubscribers(_ *broker.ClientInfo, _ *codec.Publish, subs []broker.Recipient) []broker.Recipient {
	out := subs[:0]
	for _, r := range subs {
		if r.ClientID != "b" {
			out = append(out, r)
		}
	}
	return out
}

// TestRedistributedPassesSelectSubscribers: a QoS 1 message of a shared
// group that goes to another member when its member's session ends passes
// the OnSelectSubscribers hooks like any delivery: a hook that keeps "b"
// from ever receiving keeps it from this one too.
func TestRedistributedPassesSelectSubscribers(t *testing.T) {
	ended := endedHook{ended: make(chan string, 4)}
	ts := startServer(t, broker.Options{SharedSelector: preferA{}}, ended, vetoB{})
	a := connectC(t, ts, codec.V5, "a")
	a.sub("$share/g/veto/1", 1)
	b := connectC(t, ts, codec.V5, "b")
	b.sub("$share/g/veto/1", 1)
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("veto/1", "secret", 1, false)
	p := a.expectPublish() // the hook let "a" have it; a does not acknowledge
	require.Equal(t, "secret", string(p.Payload))
	a.close()
	select {
	case <-ended.ended:
	case <-time.After(waitFor):
		t.Fatal("the session of a did not end")
	}
	b.barrier() // b never receives it
}

// TestRedistributedExpiredCounted: a shared QoS 1 message that expired
// before its member's session ended goes to nobody, and is counted as
// dropped.
func TestRedistributedExpiredCounted(t *testing.T) {
	ended := endedHook{ended: make(chan string, 4)}
	ts := startServer(t, broker.Options{SharedSelector: preferA{}}, ended)
	a := connectC(t, ts, codec.V5, "a")
	a.sub("$share/g/exp/1", 1)
	b := connectC(t, ts, codec.V5, "b")
	b.sub("$share/g/exp/1", 1)
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pubP(&codec.Publish{Topic: "exp/1", QoS: 1, Payload: []byte("x"), Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(1))}})
	a.expectPublish()
	before := ts.Info().MessagesDropped
	time.Sleep(1100 * time.Millisecond)
	a.close()
	select {
	case <-ended.ended:
	case <-time.After(waitFor):
		t.Fatal("the session of a did not end")
	}
	b.barrier()
	require.Equal(t, before+1, ts.Info().MessagesDropped, "the expired message is counted")
}

// TestRedistributedAfterRestart: storage keeps which shared subscription
// gave a session a message, so QoS 1 messages queued for a member go to
// another member when its session ends after a restart too.
func TestRedistributedAfterRestart(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	start := func(dc disconnects) *testServer {
		return startServer(t, broker.Options{SharedSelector: preferA{}, Storage: storage.NewStore(mem, storage.Options{})}, dc)
	}
	dc := make(disconnects, 4)
	ts := start(dc)
	a := connectC(t, ts, codec.V5, "a", persistent(300))
	a.sub("$share/g/rs/1", 1)
	b := connectC(t, ts, codec.V5, "b", persistent(300))
	b.sub("$share/g/rs/1", 1)
	a.close()
	dc.wait(t, "a")
	pub := connectC(t, ts, codec.V5, "pub")
	pub.pub("rs/1", "q1", 1, false) // queued for the offline "a" (preferA)
	eventually(t, func() bool { return ts.Info().Queued == 1 }, "queued for a")
	b.disconnect()
	pub.disconnect()
	require.NoError(t, ts.Close())

	dc = make(disconnects, 4)
	ts = start(dc)
	b = connectC(t, ts, codec.V5, "b", persistent(300))
	b.barrier()
	connectC(t, ts, codec.V5, "a") // clean start: the restored session of "a" ends
	p := b.expectPublish()
	require.Equal(t, "q1", string(p.Payload))
}
