// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// scenarioServerDisconnects: the DISCONNECTs a server sends carry a
// DISCONNECT reason code and no Session Expiry Interval, come only after a
// successful CONNACK, and are followed by the close of the connection.
// (Keep alive 0x8D, takeover 0x8E, too large 0x95, alias 0x94, QoS 0x9B
// and retain 0x9A are in their own scenarios.)
// [MQTT-3.14.0-1] [MQTT-3.14.2-1] [MQTT-3.14.2-2] [MQTT-3.14.4-1] [MQTT-3.14.4-2] [MQTT-3.3.4-7] [MQTT-4.13.2-1]
func scenarioServerDisconnects(t *testing.T, tg *Target) {
	needInProcess(t, tg)
	b := tg.Start(t, func(o *broker.Options) { o.Capabilities.ReceiveMaximum = 2 })

	// Receive Maximum exceeded: 0x93.
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("sdrm"), CleanStart: true, Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](60)}})
	require.NotNil(t, ca.Properties.ReceiveMaximum)
	require.Equal(t, uint16(2), *ca.Properties.ReceiveMaximum)
	for id := uint16(1); id <= 3; id++ {
		r.send(&codec.Publish{Topic: "sd/t", QoS: 2, PacketID: id})
	}
	for range 2 {
		_, ok := r.read().(*codec.Pubrec)
		require.True(t, ok)
	}
	p, err := r.next()
	require.NoError(t, err)
	d, ok := p.(*codec.Disconnect)
	require.True(t, ok, "got %T", p)
	assert.Equal(t, codec.ReceiveMaximumExceeded, d.ReasonCode)
	assert.Nil(t, d.Properties.SessionExpiry, "a server never sends Session Expiry Interval on DISCONNECT")
	r.expectClosed()

	// Server shutting down: 0x8B to every connected v5 client.
	r = dialRaw(t, b.Addr, codec.V5)
	r.connectOK(uid("sdsd"))
	// Before its CONNACK a client gets no DISCONNECT: a connection that
	// has sent nothing is just closed.
	silent := dialRaw(t, b.Addr, codec.V5)
	require.NoError(t, b.Server().Close())
	r.expectDisconnect(codec.ServerShuttingDown)
	assert.Equal(t, -1, silent.expectClosed(), "DISCONNECT sent before CONNACK")
	b.start(b.Addr) // for the cleanup's Close
}

// scenarioMalformed sends every class of malformed packet and protocol
// error after a successful CONNECT and checks the reason code of the
// server's DISCONNECT (v5) or that the connection is closed (v3.1.1).
// [MQTT-4.13.1-1] [MQTT-4.13.2-1] [v3.1.1:MQTT-4.8.0-1]
func scenarioMalformed(t *testing.T, tg *Target) {
	b := tg.Start(t)
	mal := []codec.ReasonCode{codec.MalformedPacket}
	malOrProto := []codec.ReasonCode{codec.MalformedPacket, codec.ProtocolError}
	topicBad := []codec.ReasonCode{codec.MalformedPacket, codec.ProtocolError, codec.TopicNameInvalid}
	pub := func(topic string) []byte { return append([]byte{byte(len(topic) >> 8), byte(len(topic))}, topic...) }
	rows := []struct {
		name string
		v    codec.Version
		pk   codec.Packet
		want []codec.ReasonCode
	}{
		// [MQTT-3.3.1-4]
		{"publish qos 3", codec.V5, &codec.Raw{Header: 0x36, RemainingLength: -1, Body: append(pub("a"), 0, 1, 0)}, mal},
		// [v3.1.1:MQTT-3.3.1-4]
		{"publish qos 3 v3", codec.V311, &codec.Raw{Header: 0x36, RemainingLength: -1, Body: append(pub("a"), 0, 1)}, nil},
		// [MQTT-3.3.1-2]
		{"publish qos 0 with dup", codec.V5, &codec.Raw{Header: 0x38, RemainingLength: -1, Body: append(pub("a"), 0)}, malOrProto},
		// [MQTT-3.3.2-2] [MQTT-4.7.0-1]
		{"publish topic with wildcard", codec.V5, &codec.Publish{Topic: "a/+"}, topicBad},
		// [v3.1.1:MQTT-3.3.2-2] [v3.1.1:MQTT-4.7.1-1]
		{"publish topic with wildcard v3", codec.V311, &codec.Publish{Topic: "a/#"}, nil},
		// [MQTT-1.5.4-1] [MQTT-3.3.2-1]
		{"publish topic not utf-8", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a\xc3\x28"), 0)}, mal},
		// [v3.1.1:MQTT-1.5.3-1] [v3.1.1:MQTT-3.3.2-1]
		{"publish topic not utf-8 v3", codec.V311, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: pub("a\xed\xa0\x80")}, nil},
		// [MQTT-1.5.4-2] [MQTT-4.7.3-2]
		{"publish topic with null", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a\x00b"), 0)}, mal},
		// [v3.1.1:MQTT-1.5.3-2] [v3.1.1:MQTT-4.7.3-2]
		{"publish topic with null v3", codec.V311, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: pub("a\x00b")}, nil},
		// [MQTT-4.7.3-1] an empty topic without a topic alias
		{"publish empty topic", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub(""), 0)}, topicBad},
		// [v3.1.1:MQTT-4.7.3-1]
		{"publish empty topic v3", codec.V311, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: pub("")}, nil},
		// [MQTT-2.2.1-3] QoS 1 with packet id 0
		{"publish qos 1 id 0", codec.V5, &codec.Raw{Header: 0x32, RemainingLength: -1, Body: append(pub("a"), 0, 0, 0)}, malOrProto},
		// [v3.1.1:MQTT-2.3.1-1]
		{"publish qos 1 id 0 v3", codec.V311, &codec.Raw{Header: 0x32, RemainingLength: -1, Body: append(pub("a"), 0, 0)}, nil},
		// [MQTT-3.3.4-6] a client PUBLISH with a Subscription Identifier
		{"publish with subscription id", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a"), 2, 0x0B, 1)}, malOrProto},
		// [MQTT-2.2.2-2]-style: a property twice
		{"publish duplicate property", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a"), 4, 0x01, 0, 0x01, 1)}, malOrProto},
		// a property not allowed in PUBLISH (Session Expiry)
		{"publish foreign property", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a"), 5, 0x11, 0, 0, 0, 1)}, malOrProto},
		// [MQTT-1.5.5-1] remaining length not minimally encoded
		{"non-minimal remaining length", codec.V5, &codec.Raw{Header: 0xC0, RemainingLength: -1, Body: nil}, nil},
		// [MQTT-3.8.1-1] [MQTT-2.1.3-1]
		{"subscribe flags", codec.V5, &codec.Raw{Header: 0x80, RemainingLength: -1, Body: append([]byte{0, 1, 0}, append(pub("a"), 0)...)}, mal},
		// [v3.1.1:MQTT-3.8.1-1] [v3.1.1:MQTT-2.2.2-1] [v3.1.1:MQTT-2.2.2-2]
		{"subscribe flags v3", codec.V311, &codec.Raw{Header: 0x80, RemainingLength: -1, Body: append([]byte{0, 1}, append(pub("a"), 0)...)}, nil},
		// [MQTT-3.8.3-2]
		{"subscribe without filters", codec.V5, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: []byte{0, 1, 0}}, malOrProto},
		// [v3.1.1:MQTT-3.8.3-3]
		{"subscribe without filters v3", codec.V311, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: []byte{0, 1}}, nil},
		// [MQTT-3.8.3-5] reserved subscription option bits
		{"subscribe reserved option bits", codec.V5, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1, 0}, append(pub("a"), 0xC1)...)}, mal},
		// requested QoS 3 is malformed (section 3.8.3.1; unnumbered in the 2014 text)
		{"subscribe qos 3 v3", codec.V311, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1}, append(pub("a"), 3)...)}, nil},
		{"subscribe retain handling 3", codec.V5, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1, 0}, append(pub("a"), 0x30)...)}, malOrProto},
		// [MQTT-3.8.3-1] [v3.1.1:MQTT-3.8.3-1]
		{"subscribe filter not utf-8", codec.V5, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1, 0}, append(pub("a\xff"), 0)...)}, mal},
		{"subscribe filter not utf-8 v3", codec.V311, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1}, append(pub("a\xff"), 0)...)}, nil},
		// subscription identifier 0
		{"subscribe subscription id 0", codec.V5, &codec.Raw{Header: 0x82, RemainingLength: -1, Body: append([]byte{0, 1, 2, 0x0B, 0}, append(pub("a"), 0)...)}, malOrProto},
		// [MQTT-3.10.1-1]
		{"unsubscribe flags", codec.V5, &codec.Raw{Header: 0xA0, RemainingLength: -1, Body: append([]byte{0, 1, 0}, pub("a")...)}, mal},
		// [v3.1.1:MQTT-3.10.1-1]
		{"unsubscribe flags v3", codec.V311, &codec.Raw{Header: 0xA0, RemainingLength: -1, Body: append([]byte{0, 1}, pub("a")...)}, nil},
		// [MQTT-3.10.3-2]
		{"unsubscribe without filters", codec.V5, &codec.Raw{Header: 0xA2, RemainingLength: -1, Body: []byte{0, 1, 0}}, malOrProto},
		// [v3.1.1:MQTT-3.10.3-2]
		{"unsubscribe without filters v3", codec.V311, &codec.Raw{Header: 0xA2, RemainingLength: -1, Body: []byte{0, 1}}, nil},
		// [MQTT-3.10.3-1] [v3.1.1:MQTT-3.10.3-1]
		{"unsubscribe filter not utf-8", codec.V5, &codec.Raw{Header: 0xA2, RemainingLength: -1, Body: append([]byte{0, 1, 0}, pub("\xc0\xaf")...)}, mal},
		{"unsubscribe filter not utf-8 v3", codec.V311, &codec.Raw{Header: 0xA2, RemainingLength: -1, Body: append([]byte{0, 1}, pub("\xc0\xaf")...)}, nil},
		// [MQTT-3.6.1-1]
		{"pubrel flags", codec.V5, &codec.Raw{Header: 0x60, RemainingLength: -1, Body: []byte{0, 1}}, mal},
		// [v3.1.1:MQTT-3.6.1-1]
		{"pubrel flags v3", codec.V311, &codec.Raw{Header: 0x60, RemainingLength: -1, Body: []byte{0, 1}}, nil},
		// [MQTT-2.1.3-1]
		{"pingreq flags", codec.V5, &codec.Raw{Header: 0xC1, RemainingLength: -1}, mal},
		// [v3.1.1:MQTT-2.2.2-2]
		{"pingreq flags v3", codec.V311, &codec.Raw{Header: 0xC1, RemainingLength: -1}, nil},
		// [MQTT-3.14.1-1]
		{"disconnect flags", codec.V5, &codec.Raw{Header: 0xE1, RemainingLength: -1}, mal},
		// [v3.1.1:MQTT-3.14.1-1]
		{"disconnect flags v3", codec.V311, &codec.Raw{Header: 0xE2, RemainingLength: -1}, nil},
		// [MQTT-3.15.1-1]
		{"auth flags", codec.V5, &codec.Raw{Header: 0xF1, RemainingLength: -1, Body: []byte{0x18, 0}}, mal},
		{"reserved packet type 0", codec.V5, &codec.Raw{Header: 0x00, RemainingLength: -1}, malOrProto},
		{"reserved packet type 0 v3", codec.V311, &codec.Raw{Header: 0x00, RemainingLength: -1}, nil},
		{"AUTH in v3.1.1", codec.V311, &codec.Raw{Header: 0xF0, RemainingLength: -1}, nil},
		{"CONNACK from a client", codec.V5, &codec.Raw{Header: 0x20, RemainingLength: -1, Body: []byte{0, 0, 0}}, malOrProto},
		{"SUBACK from a client", codec.V311, &codec.Raw{Header: 0x90, RemainingLength: -1, Body: []byte{0, 1, 0}}, nil},
		{"PUBACK for an unknown id", codec.V5, &codec.Puback{PacketID: 999}, nil},
		// [MQTT-3.3.2-8] topic alias 0
		{"topic alias 0", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1, Body: append(pub("a"), 3, 0x23, 0, 0)}, []codec.ReasonCode{codec.TopicAliasInvalid, codec.ProtocolError}},
		// [MQTT-3.14.2-1] invalid DISCONNECT reason code from the client
		{"disconnect reason 0x03", codec.V5, &codec.Raw{Header: 0xE0, RemainingLength: -1, Body: []byte{0x03, 0}}, malOrProto},
		{"length beyond body", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: 3, Body: append(pub("abc"), 0)}, malOrProto},
		{"remaining length 5 bytes", codec.V5, &codec.Raw{Header: 0x30, RemainingLength: -1}, mal},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := dialRaw(t, b.Addr, row.v)
			r.connectOK(uid("mal"))
			switch row.name {
			case "non-minimal remaining length":
				r.sendBytes(0xC0, 0x80, 0x00) // PINGREQ, remaining length 0 in two bytes
			case "remaining length 5 bytes":
				r.sendBytes(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)
			case "PUBACK for an unknown id":
				// Not malformed: the server ignores it and carries on.
				r.send(row.pk)
				r.send(&codec.Pingreq{})
				_, ok := r.read().(*codec.Pingresp)
				assert.True(t, ok)
				return
			default:
				r.send(row.pk)
			}
			got := r.expectClosed()
			if row.v == codec.V5 && row.want != nil {
				assert.Contains(t, row.want, codec.ReasonCode(got), "DISCONNECT reason code %#x (-1: none)", got)
			}
		})
	}
}
