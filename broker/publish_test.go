// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestTopicAliasInbound covers topic aliases from a client: an alias is
// set with a topic and used with an empty one; 0 or above the maximum is
// 0x94; an unknown alias with an empty topic is a protocol error.
// [MQTT-3.3.2-8] [MQTT-3.3.2-12] [MQTT-3.3.2-7] [MQTT-4.13.1-1]
func TestTopicAliasInbound(t *testing.T) {
	ts := startServer(t, broker.Options{Capabilities: broker.Capabilities{TopicAliasMaximum: 5}})
	t.Run("set and use", func(t *testing.T) {
		sub := connectC(t, ts, codec.V5, "ta-sub")
		sub.sub("ta/#", 0)
		c, ack := connect(t, ts, codec.V5, "ta")
		require.Equal(t, uint16(5), *ack.Properties.TopicAliasMaximum)
		c.send(&codec.Publish{Topic: "ta/one", Payload: []byte("1"), Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(5))}})
		c.send(&codec.Publish{Payload: []byte("2"), Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(5))}})
		for _, want := range []string{"1", "2"} {
			p := sub.expectPublish()
			require.Equal(t, "ta/one", p.Topic)
			require.Equal(t, want, string(p.Payload))
			require.Nil(t, p.Properties.TopicAlias, "aliases are not forwarded")
		}
		c.disconnect()
		// Mappings do not carry over to a new connection [MQTT-3.3.2-7].
		c = connectC(t, ts, codec.V5, "ta")
		c.send(&codec.Publish{Payload: []byte("3"), Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(5))}})
		c.expectDisconnect(codec.ProtocolError)
		sub.barrier()
	})
	tests := []struct {
		name  string
		topic string
		alias uint16
		code  codec.ReasonCode
	}{
		{"alias 0", "ta/x", 0, codec.TopicAliasInvalid},
		{"above maximum", "ta/x", 6, codec.TopicAliasInvalid},
		{"unknown alias, empty topic", "", 3, codec.ProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connectC(t, ts, codec.V5, "ta-bad")
			c.sendIllegal(&codec.Publish{Topic: tt.topic, Properties: codec.Properties{TopicAlias: codec.Ptr(tt.alias)}})
			c.expectDisconnect(tt.code)
		})
	}
}

// TestMaximumPacketSize: a packet above the server's Maximum Packet Size
// ends the connection with 0x95; a message above a client's Maximum Packet
// Size is dropped for that client only, which stays connected.
// [MQTT-3.2.2-15 v5 client side: advertised] [MQTT-4.13.1-1]
// [MQTT-3.1.2-24] [MQTT-3.1.2-25]
func TestMaximumPacketSize(t *testing.T) {
	drops := &dropCounter{}
	ts := startServer(t, broker.Options{Capabilities: broker.Capabilities{MaximumPacketSize: 200}}, drops)
	t.Run("server limit", func(t *testing.T) {
		c, ack := connect(t, ts, codec.V5, "mps")
		require.Equal(t, uint32(200), *ack.Properties.MaximumPacketSize)
		c.send(&codec.Publish{Topic: "mps", Payload: bytes.Repeat([]byte("x"), 300)})
		c.expectDisconnect(codec.PacketTooLarge)
	})
	t.Run("client limit", func(t *testing.T) {
		small := dial(t, ts, codec.V5)
		pk := newConnect(codec.V5, "small")
		pk.Properties.MaximumPacketSize = codec.Ptr(uint32(40))
		require.Equal(t, codec.Success, small.connect(pk).ReasonCode)
		small.sub("mps/#", 1)
		big := connectC(t, ts, codec.V5, "big")
		big.sub("mps/#", 1)
		pub := connectC(t, ts, codec.V311, "mps-pub")
		dropped := ts.Info().MessagesDropped
		for _, q := range []codec.QoS{0, 1} {
			pub.pub("mps/t", string(bytes.Repeat([]byte("y"), 100)), q, false)
			require.Len(t, big.recv().Payload, 100)
		}
		pub.pub("mps/t", "tiny", 1, false)
		require.Equal(t, "tiny", string(small.recv().Payload), "the small client got only the message that fits")
		require.Equal(t, "tiny", string(big.recv().Payload))
		small.barrier()
		require.GreaterOrEqual(t, ts.Info().MessagesDropped-dropped, int64(2))
	})
	t.Run("only subscriber too small", func(t *testing.T) {
		// The subscription matches: the publisher is told success, not
		// "no matching subscribers", as the server behaves as if it had
		// sent the message [MQTT-3.1.2-25].
		small := dial(t, ts, codec.V5)
		pk := newConnect(codec.V5, "only-small")
		pk.Properties.MaximumPacketSize = codec.Ptr(uint32(40))
		require.Equal(t, codec.Success, small.connect(pk).ReasonCode)
		small.sub("mps1/#", 2)
		pub := connectC(t, ts, codec.V5, "mps1-pub")
		for _, q := range []codec.QoS{1, 2} {
			require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "mps1/t", QoS: q, Payload: bytes.Repeat([]byte("y"), 100)}))
		}
		for _, q := range []codec.QoS{0, 1} {
			n := drops.n.Load()
			pub.pub("mps1/t", string(bytes.Repeat([]byte("z"), 100)), q, false)
			require.Eventually(t, func() bool { return drops.n.Load() > n }, 10*time.Second, time.Millisecond)
			require.Equal(t, broker.DropTooLarge, drops.last.Load(), "QoS %d", q)
		}
	})
}

// TestMessageExpiry: the remaining Message Expiry Interval is forwarded;
// a message that expires while queued for an offline session is not
// delivered. [MQTT-3.3.2-5] [MQTT-3.3.2-6]
func TestMessageExpiry(t *testing.T) {
	dc := make(disconnects, 16)
	ts := startServer(t, broker.Options{}, dc)
	sub := connectC(t, ts, codec.V5, "me-sub", persistent(60))
	sub.sub("me/#", 1)
	v3 := connectC(t, ts, codec.V311, "me-v3")
	v3.sub("me/#", 1)
	pub := connectC(t, ts, codec.V5, "me-pub")
	pub.pubP(&codec.Publish{Topic: "me/a", QoS: 1, Payload: []byte("a"), Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(60))}})
	p := sub.recv()
	require.NotNil(t, p.Properties.MessageExpiry)
	require.LessOrEqual(t, *p.Properties.MessageExpiry, uint32(60))
	require.Greater(t, *p.Properties.MessageExpiry, uint32(55))
	require.Equal(t, "a", string(v3.recv().Payload)) // no properties for v3

	sub.close()
	dc.wait(t, "me-sub") // offline: what follows is queued, not sent
	pub.pubP(&codec.Publish{Topic: "me/b", QoS: 1, Payload: []byte("short"), Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(1))}})
	pub.pubP(&codec.Publish{Topic: "me/b", QoS: 1, Payload: []byte("long"), Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(100))}})
	// Let the one-second expiry pass: the clock is what is under test.
	time.Sleep(1100 * time.Millisecond)
	sub, ack := connect(t, ts, codec.V5, "me-sub", persistent(0))
	require.True(t, ack.SessionPresent)
	p = sub.recv()
	require.Equal(t, "long", string(p.Payload), "the expired message was not delivered")
	require.LessOrEqual(t, *p.Properties.MessageExpiry, uint32(99))
	sub.barrier()
}

// TestPayloadFormatInvalid: a PUBLISH with Payload Format Indicator 1 and
// a payload that is not UTF-8 is refused with PUBACK/PUBREC 0x99.
// [MQTT-3.3.2-4]
func TestPayloadFormatInvalid(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "pf-sub")
	sub.sub("pf", 1)
	c := connectC(t, ts, codec.V5, "pf")
	for _, q := range []codec.QoS{1, 2} {
		rc := c.pubP(&codec.Publish{Topic: "pf", QoS: q, Payload: []byte{0xff, 0xfe}, Properties: codec.Properties{PayloadFormat: codec.Ptr(byte(1))}})
		require.Equal(t, codec.PayloadFormatInvalid, rc)
	}
	sub.barrier()
}

// TestPropertiesForwarded: payload format, content type, response topic,
// correlation data and user properties (in order) reach v5 subscribers
// unaltered; v3 subscribers get none.
// [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17]
// [MQTT-3.3.2-18] [MQTT-3.3.2-20]
func TestPropertiesForwarded(t *testing.T) {
	ts := startServer(t, broker.Options{})
	s5 := connectC(t, ts, codec.V5, "pr5")
	s5.sub("pr", 2)
	s3 := connectC(t, ts, codec.V311, "pr3")
	s3.sub("pr", 2)
	props := codec.Properties{
		PayloadFormat:   codec.Ptr(byte(1)),
		ContentType:     codec.Ptr("text/plain"),
		ResponseTopic:   codec.Ptr("pr/reply"),
		CorrelationData: []byte{1, 2, 3},
		User:            []codec.UserProperty{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}, {Key: "b", Value: "3"}},
	}
	pub := connectC(t, ts, codec.V5, "pr-pub")
	pub.pubP(&codec.Publish{Topic: "pr", QoS: 1, Payload: []byte("héllo"), Properties: props})
	p := s5.recv()
	require.Equal(t, props, p.Properties)
	p = s3.recv()
	require.Equal(t, "héllo", string(p.Payload))
	require.Equal(t, codec.Properties{}, p.Properties)

	// A Payload Format Indicator the specification gives no meaning (nor
	// makes an error) is forwarded as it came, and its payload not checked.
	odd := codec.Properties{PayloadFormat: codec.Ptr(byte(56))}
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "pr", QoS: 1, Payload: []byte{0xff}, Properties: odd}))
	p = s5.recv()
	require.Equal(t, odd, p.Properties)
	require.Equal(t, []byte{0xff}, p.Payload)
	require.Equal(t, []byte{0xff}, s3.recv().Payload)
}

// TestNoMatchingSubscribers: a v5 QoS 1 publish nobody receives is
// acknowledged with 0x10; v3 gets a plain PUBACK.
func TestNoMatchingSubscribers(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "nms")
	require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: "nobody", QoS: 1}))
	require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: "nobody", QoS: 2}))
}

// TestSysTopicNotWritable: clients may not publish under $SYS.
func TestSysTopicNotWritable(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "sysw")
	require.Equal(t, codec.NotAuthorized, c.pubP(&codec.Publish{Topic: "$SYS/broker/version", QoS: 1, Payload: []byte("x")}))
	require.Equal(t, codec.NotAuthorized, c.pubP(&codec.Publish{Topic: "$SYS", QoS: 1, Payload: []byte("x")}))
	// Only "$SYS" itself and the levels below it are the server's.
	for _, topic := range []string{"$SYSTEM/x", "$SYSfoo", "$SYS2/a"} {
		require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: topic, QoS: 1, Payload: []byte("x")}), topic)
	}
}

// TestWillBounds: a will meets the bounds a PUBLISH meets. A will below
// $SYS is refused (it would forge the server's statistics when the
// connection drops), and so is one with more topic levels than
// MaxTopicLevels (a PUBLISH there is refused, so a retained will there
// could never be cleared).
func TestWillBounds(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxTopicLevels: 4}})
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		t.Run(vname(v), func(t *testing.T) {
			for _, tc := range []struct {
				topic string
				v5    codec.ReasonCode
				v3    codec.ReasonCode
			}{
				{"$SYS/broker/version", codec.NotAuthorized, 0x05},
				{"$SYS", codec.NotAuthorized, 0x05},
				{"a/b/c/d/e", codec.TopicNameInvalid, 0}, // no v3 return code: closed
			} {
				c := dial(t, ts, v)
				pk := newConnect(v, "wb", func(c *codec.Connect) {
					c.Will = &codec.Will{Topic: tc.topic, Payload: []byte("FORGED"), Retain: true}
				})
				c.send(pk)
				if v == codec.V5 {
					require.Equal(t, tc.v5, expectT[*codec.Connack](c).ReasonCode, tc.topic)
				} else if tc.v3 != 0 {
					require.Equal(t, tc.v3, expectT[*codec.Connack](c).ReasonCode, tc.topic)
				}
				c.expectClosed()
			}
			// Within the bounds a will is accepted; $SYSTEM is not $SYS.
			for _, topic := range []string{"a/b/c/d", "$SYSTEM/x"} {
				c, _ := connect(t, ts, v, "wb", func(c *codec.Connect) {
					c.Will = &codec.Will{Topic: topic, Payload: []byte("x")}
				})
				c.disconnect()
			}
		})
	}
}
