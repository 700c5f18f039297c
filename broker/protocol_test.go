// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestProtocolViolations: protocol errors after CONNECT end the
// connection with DISCONNECT 0x82 (v5) or a close (v3), and other clients
// keep being served.
// [MQTT-3.1.0-2] [MQTT-4.13.1-1] [MQTT-4.13.2-1] (v3.1.1 [MQTT-3.1.0-2] [MQTT-4.8.0-1])
func TestProtocolViolations(t *testing.T) {
	ts := startServer(t, broker.Options{})
	bystander := connectC(t, ts, codec.V311, "bystander")
	bystander.sub("bys", 1)
	tests := []struct {
		name string
		pk   codec.Packet
	}{
		{"second CONNECT", &codec.Connect{ClientID: "x", CleanStart: true}},
		{"CONNACK", &codec.Connack{}},
		{"SUBACK", &codec.Suback{PacketID: 1, ReasonCodes: []codec.ReasonCode{0}}},
		{"UNSUBACK", &codec.Raw{Header: 0xB0, RemainingLength: -1, Body: []byte{0, 1}}},
		{"PINGRESP", &codec.Pingresp{}},
	}
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		for _, tt := range tests {
			t.Run(vname(v)+"/"+tt.name, func(t *testing.T) {
				c := connectC(t, ts, v, "violator")
				c.sendIllegal(tt.pk)
				c.expectEnd(codec.ProtocolError)
				require.NoError(t, ts.Publish("bys", []byte("still here"), false, 1))
				require.Equal(t, "still here", string(bystander.recv().Payload))
			})
		}
	}
}

// TestMalformedPackets: a malformed packet ends the connection with
// DISCONNECT 0x81 (v5) or a close (v3); other clients are unaffected.
// [MQTT-4.13.1-1] [MQTT-3.3.1-4] [MQTT-3.8.1-1] [MQTT-3.10.1-1]
// [MQTT-3.6.1-1] [MQTT-1.5.5-1] [MQTT-1.5.4-2] (v3.1.1 [MQTT-3.3.1-4]
// [MQTT-2.2.2-2] [MQTT-1.5.3-2] [MQTT-4.8.0-1])
func TestMalformedPackets(t *testing.T) {
	ts := startServer(t, broker.Options{})
	bystander := connectC(t, ts, codec.V5, "bystander")
	bystander.sub("bys", 1)
	tests := []struct {
		name string
		raw  []byte
	}{
		{"PUBLISH QoS 3", []byte{0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}},
		{"SUBSCRIBE bad flags", []byte{0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}},
		{"UNSUBSCRIBE bad flags", []byte{0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}},
		{"PUBREL bad flags", []byte{0x60, 0x02, 0x00, 0x01}},
		{"remaining length of 5 bytes", []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"topic with U+0000", []byte{0x30, 0x05, 0x00, 0x03, 'a', 0x00, 'b'}},
		{"PINGREQ with a body", []byte{0xC0, 0x01, 0x00}},
		{"truncated PUBLISH topic", []byte{0x30, 0x03, 0x00, 0x09, 'a'}},
	}
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		for _, tt := range tests {
			t.Run(vname(v)+"/"+tt.name, func(t *testing.T) {
				c := connectC(t, ts, v, "malformed")
				raw := tt.raw
				if v == codec.V5 && raw[0]>>4 == 3 && tt.name == "topic with U+0000" {
					raw = []byte{0x30, 0x06, 0x00, 0x03, 'a', 0x00, 'b', 0x00}
				}
				c.write(raw)
				c.expectEnd(codec.MalformedPacket)
				require.NoError(t, ts.Publish("bys", []byte("served"), false, 1))
				require.Equal(t, "served", string(bystander.recv().Payload))
			})
		}
	}
}

// TestMalformedConnect: a malformed CONNECT is answered with CONNACK 0x81
// for v5 and a plain close for v3. [MQTT-3.1.2-3] [MQTT-3.1.4-1] (v3.1.1
// [MQTT-3.1.2-3] [MQTT-3.1.4-1])
func TestMalformedConnect(t *testing.T) {
	ts := startServer(t, broker.Options{})
	// Reserved connect flag set.
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			b := codec.Encoder{Version: v}
			raw, err := b.Append(nil, newConnect(v, "mc"))
			require.NoError(t, err)
			raw[9] |= 0x01 // connect flags: reserved bit
			c := dial(t, ts, v)
			c.write(raw)
			if v == codec.V5 {
				ack := expectT[*codec.Connack](c)
				require.Equal(t, codec.MalformedPacket, ack.ReasonCode)
			}
			c.expectClosed()
		})
	}
}

// TestProblemInformation: with Request Problem Information 0 the server
// sends no reason string on DISCONNECT; by default it does.
// [MQTT-3.1.2-29]
func TestProblemInformation(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, want := range []bool{true, false} {
		c := dial(t, ts, codec.V5)
		pk := newConnect(codec.V5, "pi")
		if !want {
			pk.Properties.RequestProblemInfo = codec.Ptr(byte(0))
		}
		c.connect(pk)
		c.send(&codec.Connack{})
		d := expectT[*codec.Disconnect](c)
		require.Equal(t, want, d.Properties.ReasonString != nil)
		c.expectClosed()
	}
}
