// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// denyPublish allows connections and subscriptions but no publishes.
type denyPublish struct{}

func (denyPublish) ID() string { return "deny-publish" }
func (denyPublish) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}
func (denyPublish) OnACLCheck(_ *broker.ClientInfo, _ string, a broker.Access) bool {
	return a == broker.AccessRead
}

func TestCompatSwitches(t *testing.T) {
	tests := []struct {
		name       string
		compat     broker.Compat
		requestRI  bool
		wantPuback codec.ReasonCode
		wantRI     bool
	}{
		{name: "defaults", wantPuback: codec.NotAuthorized},
		{name: "requested response info", requestRI: true, wantPuback: codec.NotAuthorized, wantRI: true},
		{name: "obscure not authorized", compat: broker.Compat{ObscureNotAuthorized: true}, wantPuback: codec.UnspecifiedError},
		{name: "always return response info", compat: broker.Compat{AlwaysReturnResponseInfo: true}, wantPuback: codec.NotAuthorized, wantRI: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServerHooks(t, broker.Options{Compat: tt.compat, ResponseInfo: "resp/"}, denyPublish{})
			cp := &codec.Connect{ProtocolVersion: codec.V5, ClientID: "c", CleanStart: true}
			if tt.requestRI {
				cp.Properties.RequestResponseInfo = codec.Ptr(byte(1))
			}
			c, ack := dialPersist(t, srv.addr, cp)
			defer c.nc.Close()
			if tt.wantRI {
				require.NotNil(t, ack.Properties.ResponseInfo)
				require.Equal(t, "resp/", *ack.Properties.ResponseInfo)
			} else {
				require.Nil(t, ack.Properties.ResponseInfo) // [MQTT-3.1.2-28]
			}
			c.send(&codec.Publish{Topic: "t", QoS: 1, PacketID: 3})
			pa, ok := c.read().(*codec.Puback)
			require.True(t, ok)
			require.Equal(t, tt.wantPuback, pa.ReasonCode)
		})
	}
}

// TestOutboundTopicAliases: a v5 client that accepts topic aliases gets
// the topic and an alias the first time and the alias alone afterwards;
// aliases stop at the client's maximum [MQTT-3.3.2-11] [MQTT-3.3.2-12].
func TestOutboundTopicAliases(t *testing.T) {
	srv := startServer(t, broker.Options{})
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "alias", CleanStart: true,
		Properties: codec.Properties{TopicAliasMaximum: codec.Ptr(uint16(1))}})
	defer c.nc.Close()
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "al/#"}}})
	require.IsType(t, &codec.Suback{}, c.read())
	for _, topic := range []string{"al/a", "al/a", "al/b", "al/a"} {
		require.NoError(t, srv.Publish(topic, []byte(topic), false, 0))
	}
	want := []struct {
		topic string
		alias uint16
	}{{"al/a", 1}, {"", 1}, {"al/b", 0}, {"", 1}}
	for i, w := range want {
		p, ok := c.read().(*codec.Publish)
		require.True(t, ok, "message %d", i)
		require.Equal(t, w.topic, p.Topic, "message %d", i)
		if w.alias == 0 {
			require.Nil(t, p.Properties.TopicAlias, "message %d", i)
		} else {
			require.Equal(t, w.alias, *p.Properties.TopicAlias, "message %d", i)
		}
	}
}

// TestOutboundTopicAliasBytes: the topics behind outbound aliases stay in
// memory for the connection's life, so a topic longer than 4 KiB gets no
// alias, and once 64 KiB of topics have aliases the next ones get none,
// whatever Topic Alias Maximum the client announced.
func TestOutboundTopicAliasBytes(t *testing.T) {
	srv := startServer(t, broker.Options{})
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "alias-bytes", CleanStart: true,
		Properties: codec.Properties{TopicAliasMaximum: codec.Ptr(uint16(65535))}})
	defer c.nc.Close()
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "ab/#"}}})
	require.IsType(t, &codec.Suback{}, c.read())
	topic := func(i, n int) string { return fmt.Sprintf("ab/%03d/", i) + strings.Repeat("x", n-7) }
	require.NoError(t, srv.Publish(topic(0, 5000), nil, false, 0))
	p, ok := c.read().(*codec.Publish)
	require.True(t, ok)
	require.Nil(t, p.Properties.TopicAlias, "a 5,000-byte topic gets no alias")
	for i := 1; i <= 17; i++ { // 16 topics of 4,000 bytes fit in 64 KiB, the 17th does not
		require.NoError(t, srv.Publish(topic(i, 4000), nil, false, 0))
		p, ok := c.read().(*codec.Publish)
		require.True(t, ok)
		if i <= 16 {
			require.NotNil(t, p.Properties.TopicAlias, "topic %d", i)
		} else {
			require.Nil(t, p.Properties.TopicAlias, "topic %d: beyond 64 KiB of aliased topics", i)
		}
	}
}

// TestTopicLevelLimit: topics and filters deeper than Limits.MaxTopicLevels
// are refused instead of growing the topic tree without bound.
func TestTopicLevelLimit(t *testing.T) {
	srv := startServer(t, broker.Options{Limits: broker.Limits{MaxTopicLevels: 3}})
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "deep", CleanStart: true})
	defer c.nc.Close()
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "a/b/c"}, {Filter: "a/b/c/d"}}})
	sa, ok := c.read().(*codec.Suback)
	require.True(t, ok)
	require.Equal(t, []codec.ReasonCode{codec.GrantedQoS0, codec.TopicFilterInvalid}, sa.ReasonCodes)
	c.send(&codec.Publish{Topic: "a/b/c/d", QoS: 1, PacketID: 2})
	pa, ok := c.read().(*codec.Puback)
	require.True(t, ok)
	require.Equal(t, codec.TopicNameInvalid, pa.ReasonCode)
}

// expiredHook records retained messages that expired.
type expiredHook struct{ topics chan string }

func (expiredHook) ID() string                   { return "expired" }
func (h expiredHook) OnRetainedExpired(t string) { h.topics <- t }

// TestRetainedExpiry: a retained message with a message expiry interval is
// removed when it expires, by a timer, and is not sent to later
// subscribers [MQTT-3.3.2-5].
func TestRetainedExpiry(t *testing.T) {
	h := expiredHook{topics: make(chan string, 1)}
	srv := startServer(t, broker.Options{}, h)
	require.NoError(t, srv.PublishPacket(&codec.Publish{Topic: "exp/1", Payload: []byte("x"), Retain: true,
		Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(1))}}))
	require.Equal(t, int64(1), srv.Info().Retained)
	select {
	case topic := <-h.topics:
		require.Equal(t, "exp/1", topic)
	case <-time.After(10 * time.Second):
		t.Fatal("retained message did not expire")
	}
	require.Equal(t, int64(0), srv.Info().Retained)
}

// TestReasonStringRespectsClientMaximumPacketSize: a DISCONNECT whose
// reason string would exceed the client's Maximum Packet Size is sent
// without it [MQTT-3.14.2-3] [MQTT-3.1.2-25].
func TestReasonStringRespectsClientMaximumPacketSize(t *testing.T) {
	for _, max := range []uint32{0, 20} { // the CONNACK takes 16 bytes
		srv := startServer(t, broker.Options{})
		cp := &codec.Connect{ProtocolVersion: codec.V5, ClientID: "short", CleanStart: true}
		if max > 0 {
			cp.Properties.MaximumPacketSize = codec.Ptr(max)
		}
		c, _ := dialPersist(t, srv.addr, cp)
		// A second CONNECT is a protocol error answered with DISCONNECT.
		c.send(&codec.Connect{ProtocolVersion: codec.V5, ClientID: "short"})
		d, ok := c.read().(*codec.Disconnect)
		require.True(t, ok)
		require.Equal(t, codec.ProtocolError, d.ReasonCode)
		if max > 0 {
			require.Nil(t, d.Properties.ReasonString, "would exceed %d bytes", max)
		} else {
			require.NotNil(t, d.Properties.ReasonString)
		}
		_ = c.nc.Close()
	}
}

// TestPublisherBackpressure: a publisher pipelining QoS 1 messages faster
// than a (reading) subscriber with a small receive maximum can take them
// is paced by the subscriber's queue instead of overflowing it: nothing is
// dropped although the queue bound, in messages or in bytes, is far below
// what is published.
func TestPublisherBackpressure(t *testing.T) {
	for name, limits := range map[string]broker.Limits{
		"messages": {MaxQueuedMessages: 40},
		"bytes":    {MaxQueuedBytes: 40 * 68}, // 40 messages as accounted (topic + payload + 64)
	} {
		t.Run(name, func(t *testing.T) { testPublisherBackpressure(t, limits) })
	}
}

func testPublisherBackpressure(t *testing.T, limits broker.Limits) {
	srv := startServer(t, broker.Options{Limits: limits})
	addr := srv.addr
	sub, _ := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "bp-sub", CleanStart: true,
		Properties: codec.Properties{ReceiveMaximum: codec.Ptr(uint16(4))}})
	defer sub.nc.Close()
	sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "bp", QoS: 1}}})
	require.IsType(t, &codec.Suback{}, sub.read())

	pub, _ := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "bp-pub", CleanStart: true})
	defer pub.nc.Close()
	const n = 400
	var (
		stream []byte
		err    error
	)
	for i := range n {
		stream, err = codec.Append(stream, &codec.Publish{Topic: "bp", QoS: 1, PacketID: uint16(i + 1), Payload: []byte{byte(i), byte(i >> 8)}}, codec.V311)
		require.NoError(t, err)
	}
	writeErr := make(chan error, 1)
	go func() { _, err := pub.nc.Write(stream); writeErr <- err }()
	for i := range n {
		p, ok := sub.read().(*codec.Publish)
		require.True(t, ok, "message %d", i)
		require.Equal(t, []byte{byte(i), byte(i >> 8)}, p.Payload, "in order, none lost")
		sub.send(&codec.Puback{PacketID: p.PacketID})
	}
	require.NoError(t, <-writeErr)
	for range n {
		require.IsType(t, &codec.Puback{}, pub.read())
	}
	require.Zero(t, srv.Info().MessagesDropped)
}

// processedHook records the packets the server reports processed.
type processedHook struct {
	broker.AllowAll
	types chan codec.Type
}

func (h processedHook) OnPacketProcessed(_ *broker.ClientInfo, t codec.Type, _ error) { h.types <- t }

// TestOnPacketProcessed: the hook sees every packet of a connected client,
// injected ones too, once it was handled.
func TestOnPacketProcessed(t *testing.T) {
	h := processedHook{types: make(chan codec.Type, 8)}
	srv := startServerHooks(t, broker.Options{}, h)
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "pp", CleanStart: true})
	defer c.nc.Close()
	c.send(&codec.Publish{Topic: "x", QoS: 1, PacketID: 1})
	require.IsType(t, &codec.Puback{}, c.read())
	c.send(&codec.Pingreq{})
	require.IsType(t, &codec.Pingresp{}, c.read())
	require.Equal(t, codec.PUBLISH, <-h.types)
	require.Equal(t, codec.PINGREQ, <-h.types)
	// An injected packet is processed like one the client sent.
	require.NoError(t, srv.InjectPacket("pp", &codec.Subscribe{PacketID: 7, Subscriptions: []codec.Subscription{{Filter: "pp/#"}}}))
	require.IsType(t, &codec.Suback{}, c.read())
	require.Equal(t, codec.SUBSCRIBE, <-h.types)
}

// TestExpiryZeroSessionEndsEvenWhenReconnectOvertakesClose: a client with
// session expiry 0 that disconnects and reconnects at once (its new CONNECT
// may arrive before the server has finished the old connection) never
// finds the old session [MQTT-3.1.2-23] [MQTT-4.1.0-2].
func TestExpiryZeroSessionEndsEvenWhenReconnectOvertakesClose(t *testing.T) {
	srv := startServer(t, broker.Options{})
	for i := range 20 {
		c, ack := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "zero"})
		require.False(t, ack.SessionPresent, "round %d", i)
		c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "z"}}})
		require.IsType(t, &codec.Suback{}, c.read())
		c.send(&codec.Disconnect{})
		_ = c.nc.Close()
	}
}

// qosHooks records the QoS and retained-delivery events.
type qosHooks struct {
	broker.AllowAll
	events chan string
}

func (h qosHooks) OnQoSPublish(_ string, pk *codec.Publish, id uint16, resend bool) {
	h.events <- fmt.Sprintf("publish %s %d %v", pk.Topic, id, resend)
}
func (h qosHooks) OnQoSDropped(_ string, id uint16, code codec.ReasonCode) {
	h.events <- fmt.Sprintf("dropped %d 0x%02X", id, byte(code))
}
func (h qosHooks) OnRetainPublished(_ *broker.ClientInfo, pk *codec.Publish) {
	h.events <- "retained " + pk.Topic
}

// TestQoSAndRetainHooks: OnRetainPublished fires for a retained message
// sent on subscribe, OnQoSPublish for each QoS 1 send, and OnQoSDropped
// when the client refuses a message with a failure PUBACK [MQTT-4.8.2-6].
func TestQoSAndRetainHooks(t *testing.T) {
	h := qosHooks{events: make(chan string, 8)}
	srv := startServerHooks(t, broker.Options{}, h)
	require.NoError(t, srv.Publish("h/r", []byte("kept"), true, 1))
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "qh", CleanStart: true})
	defer c.nc.Close()
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "h/#", QoS: 1}}})
	require.IsType(t, &codec.Suback{}, c.read())
	r, ok := c.read().(*codec.Publish)
	require.True(t, ok)
	c.send(&codec.Puback{PacketID: r.PacketID})
	require.NoError(t, srv.Publish("h/x", []byte("no"), false, 1))
	p, ok := c.read().(*codec.Publish)
	require.True(t, ok)
	c.send(&codec.Puback{PacketID: p.PacketID, ReasonCode: codec.UnspecifiedError})
	want := []string{
		fmt.Sprintf("publish h/r %d false", r.PacketID),
		"retained h/r",
		fmt.Sprintf("publish h/x %d false", p.PacketID),
		fmt.Sprintf("dropped %d 0x80", p.PacketID),
	}
	for _, w := range want {
		select {
		case got := <-h.events:
			require.Equal(t, w, got)
		case <-time.After(5 * time.Second):
			t.Fatalf("hook event %q did not come", w)
		}
	}
}

// encodeHook changes every PUBLISH a client receives and the PUBACKs.
type encodeHook struct{ broker.AllowAll }

func (encodeHook) OnPacketEncode(_ *broker.ClientInfo, pk codec.Packet) codec.Packet {
	switch p := pk.(type) {
	case *codec.Publish:
		q := *p
		q.Payload = append(append([]byte(nil), p.Payload...), '!')
		q.Properties.User = append(q.Properties.User, codec.UserProperty{Key: "via", Value: "hook"})
		return &q
	case *codec.Puback:
		q := *p
		q.Properties.ReasonString = codec.Ptr("seen")
		return &q
	}
	return nil
}

// TestOnPacketEncode: the hook changes outgoing PUBLISH and PUBACK packets;
// the message kept by the broker (here a retained one) is unchanged.
func TestOnPacketEncode(t *testing.T) {
	srv := startServerHooks(t, broker.Options{}, encodeHook{})
	c, _ := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "enc", CleanStart: true})
	defer c.nc.Close()
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "enc/#", QoS: 1}}})
	require.IsType(t, &codec.Suback{}, c.read())
	for i := range 2 {
		c.send(&codec.Publish{Topic: "enc/a", QoS: 1, PacketID: uint16(10 + i), Payload: []byte("hi"), Retain: true})
		var gotAck, gotPub bool
		for !gotAck || !gotPub {
			switch p := c.read().(type) {
			case *codec.Puback:
				require.Equal(t, "seen", *p.Properties.ReasonString)
				gotAck = true
			case *codec.Publish:
				require.Equal(t, "hi!", string(p.Payload), "round %d: one '!' per delivery, the stored message is unchanged", i)
				require.Equal(t, []codec.UserProperty{{Key: "via", Value: "hook"}}, p.Properties.User)
				c.send(&codec.Puback{PacketID: p.PacketID})
				gotPub = true
			default:
				t.Fatalf("unexpected %T", p)
			}
		}
	}
}

// TestRetainedStoreBounds: retained messages beyond Limits.MaxRetained or
// Limits.MaxRetainedBytes are not stored and are counted as dropped;
// replacing or clearing an existing one still works.
func TestRetainedStoreBounds(t *testing.T) {
	srv := startServer(t, broker.Options{Limits: broker.Limits{MaxRetained: 2, MaxRetainedBytes: 5 << 10}})
	big := make([]byte, 3<<10)
	require.NoError(t, srv.Publish("r/1", []byte("a"), true, 0))
	require.NoError(t, srv.Publish("r/2", big, true, 0))
	require.Equal(t, int64(2), srv.Info().Retained)
	require.NoError(t, srv.Publish("r/3", []byte("c"), true, 0)) // over the count
	require.NoError(t, srv.Publish("r/1", big, true, 0))         // over the bytes
	require.Equal(t, int64(2), srv.Info().MessagesDropped)
	require.NoError(t, srv.Publish("r/2", nil, true, 0)) // clear frees its bytes
	require.NoError(t, srv.Publish("r/1", big, true, 0))
	require.Equal(t, int64(1), srv.Info().Retained)
	require.Equal(t, int64(2), srv.Info().MessagesDropped)
}

// TestRetainedBytesCountProperties: user properties count towards
// MaxRetainedBytes (with their per-item overhead), so that messages made
// of properties cannot fill memory past the bound.
func TestRetainedBytesCountProperties(t *testing.T) {
	srv := startServer(t, broker.Options{Limits: broker.Limits{MaxRetainedBytes: 10 << 10}})
	props := codec.Properties{}
	for i := range 100 {
		props.User = append(props.User, codec.UserProperty{Key: "k", Value: fmt.Sprint(i)})
	}
	for i := range 4 { // each about 3.5 KiB as accounted, though its payload is one byte
		require.NoError(t, srv.PublishPacket(&codec.Publish{Topic: fmt.Sprint("rp/", i), Retain: true, Payload: []byte("x"), Properties: props}))
	}
	require.Equal(t, int64(2), srv.Info().Retained)
	require.Equal(t, int64(2), srv.Info().MessagesDropped)
}

// connackRewriter changes client "a"'s CONNACK Maximum Packet Size in
// place.
type connackRewriter struct{ broker.AllowAll }

func (connackRewriter) OnPacketEncode(cl *broker.ClientInfo, pk codec.Packet) codec.Packet {
	if ack, ok := pk.(*codec.Connack); ok && cl.ID == "a" && ack.Properties.MaximumPacketSize != nil {
		*ack.Properties.MaximumPacketSize = 1234
	}
	return nil
}

// TestOnPacketEncodeConnackInPlace: a hook changing a CONNACK in place
// changes that client's CONNACK only; the next client is told the
// server's real Maximum Packet Size.
func TestOnPacketEncodeConnackInPlace(t *testing.T) {
	srv := startServerHooks(t, broker.Options{}, connackRewriter{})
	c, ack := dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "a", CleanStart: true})
	require.Equal(t, uint32(1234), *ack.Properties.MaximumPacketSize)
	c.nc.Close()
	c, ack = dialPersist(t, srv.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "b", CleanStart: true})
	require.NotEqual(t, uint32(1234), *ack.Properties.MaximumPacketSize, "a's hook changed b's CONNACK")
	c.nc.Close()
}

// TestConnackWithinClientMaximumPacketSize: a CONNACK never exceeds the
// client's Maximum Packet Size [MQTT-3.1.2-24]: optional properties
// (Response Information here, 300 bytes) are left out to fit, and a limit
// too small even for the capabilities gets no CONNACK at all, only a close.
func TestConnackWithinClientMaximumPacketSize(t *testing.T) {
	ts := startServer(t, broker.Options{ResponseInfo: strings.Repeat("r", 300)})
	c := dial(t, ts, codec.V5)
	ack := c.connect(newConnect(codec.V5, "tiny", func(c *codec.Connect) {
		c.Properties.MaximumPacketSize = codec.Ptr(uint32(64))
		c.Properties.RequestResponseInfo = codec.Ptr(byte(1))
	}))
	b, err := codec.Append(nil, ack, codec.V5)
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), 64, "CONNACK of %d bytes sent to a client allowing 64", len(b))

	c = dial(t, ts, codec.V5)
	c.send(newConnect(codec.V5, "tinier", func(c *codec.Connect) { c.Properties.MaximumPacketSize = codec.Ptr(uint32(8)) }))
	c.expectClosed()
}
