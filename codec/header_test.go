// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire string
		h    FixedHeader
		n    int
	}{
		{"pingreq", "c000", FixedHeader{Type: PINGREQ}, 2},
		{"publish qos1 dup retain", "3b7f", FixedHeader{Type: PUBLISH, Flags: 0xb, RemainingLength: 127}, 2},
		{"pubrel", "6202", FixedHeader{Type: PUBREL, Flags: 2, RemainingLength: 2}, 2},
		{"subscribe max length", "82ffffff7f", FixedHeader{Type: SUBSCRIBE, Flags: 2, RemainingLength: MaxVarInt}, 5},
		{"auth", "f000", FixedHeader{Type: AUTH}, 2},
	} {
		h, n, err := ParseHeader(unhex(t, tc.wire))
		if err != nil || h != tc.h || n != tc.n {
			t.Errorf("%s: got %+v, %d, %v; want %+v, %d", tc.name, h, n, err, tc.h, tc.n)
		}
	}
}

func TestParseHeaderIncomplete(t *testing.T) {
	for _, wire := range []string{"", "30", "3080", "30ffffff"} {
		if _, _, err := ParseHeader(unhex(t, wire)); !errors.Is(err, ErrIncomplete) {
			t.Errorf("%q: err %v, want ErrIncomplete", wire, err)
		}
	}
}

func TestParseHeaderMalformed(t *testing.T) {
	for _, tc := range []struct{ name, wire string }{
		{"remaining length over 4 bytes", "30ffffffff7f"},
		{"remaining length not minimal", "308000"}, // [MQTT-1.5.5-1]
		{"type 0", "0000"},
		// [MQTT-2.2.2-1] [MQTT-2.2.2-2] reserved flags must be exact.
		{"connect flags", "1100"},
		{"connack flags", "2802"},
		{"puback flags", "4202"},
		{"pubrec flags", "5102"},
		{"pubrel flags 0", "6002"},      // [MQTT-3.6.1-1]
		{"pubrel flags 3", "6302"},      // [MQTT-3.6.1-1]
		{"subscribe flags 0", "8000"},   // [MQTT-3.8.1-1]
		{"unsubscribe flags 3", "a300"}, // [MQTT-3.10.1-1]
		{"pingreq flags", "c100"},
		{"disconnect flags", "e800"}, // [MQTT-3.14.1-1]
		{"auth flags", "f100"},       // [MQTT-3.15.1-1]
		{"publish qos 3", "3600"},    // [MQTT-3.3.1-4]
	} {
		_, _, err := ParseHeader(unhex(t, tc.wire))
		t.Run(tc.name, func(t *testing.T) { wantCode(t, err, MalformedPacket) })
	}
}

func TestDecodeDispatch(t *testing.T) {
	for _, tc := range []struct {
		wire string
		want Type
	}{
		{"100c 0004 4d515454 04 02 003c 0000", CONNECT},
		{"20020000", CONNACK}, {"30050003612f62", PUBLISH}, {"40020001", PUBACK},
		{"50020001", PUBREC}, {"62020001", PUBREL}, {"70020001", PUBCOMP},
		{"8206000100012300", SUBSCRIBE}, {"9003000100", SUBACK},
		{"a2050001000123", UNSUBSCRIBE}, {"b0020001", UNSUBACK},
		{"c000", PINGREQ}, {"d000", PINGRESP}, {"e000", DISCONNECT},
	} {
		p, err := decodeFrame(t, unhex(t, tc.wire), V311)
		if err != nil || p.Type() != tc.want {
			t.Errorf("%s: got %T, %v; want %v", tc.wire, p, err, tc.want)
		}
	}
	// AUTH is a v5 packet; at v3 it is a protocol error.
	if _, err := decodeFrame(t, unhex(t, "f000"), V311); err == nil {
		t.Error("AUTH at v3.1.1 decoded")
	} else {
		wantCode(t, err, ProtocolError)
	}
	if p, err := decodeFrame(t, unhex(t, "f000"), V5); err != nil || p.Type() != AUTH {
		t.Errorf("AUTH at v5: %T, %v", p, err)
	}
	if _, err := Decode(FixedHeader{Type: PUBACK, RemainingLength: 3}, []byte{0, 1}, V5); err == nil {
		t.Error("body shorter than remaining length decoded")
	}
}

func TestAppendValidates(t *testing.T) {
	bad := &Publish{Topic: "a/+", QoS: 0}
	dst := []byte("prefix")
	out, err := Append(dst, bad, V311)
	wantCode(t, err, TopicNameInvalid) // [MQTT-3.3.2-2]
	if !bytes.Equal(out, dst) {
		t.Errorf("dst changed on error: %q", out)
	}
	// An Encoder with AllowIllegal writes it anyway, for attacking a peer.
	out, err = Encoder{Version: V311, AllowIllegal: true}.Append(nil, bad)
	if err != nil || !bytes.Equal(out, unhex(t, "3005 0003 612f2b")) {
		t.Errorf("AllowIllegal: %x, %v", out, err)
	}
	if _, err := (Encoder{Version: V311}).Append(nil, bad); err == nil {
		t.Error("default Encoder did not validate")
	}
}

func TestRaw(t *testing.T) {
	for _, tc := range []struct {
		raw  Raw
		wire string
	}{
		{Raw{Header: 0x30, RemainingLength: -1, Body: []byte{0, 1, 'a'}}, "3003 000161"},
		{Raw{Header: 0x31, RemainingLength: 200, Body: []byte{1}}, "31c801 01"},
		{Raw{Header: 0x00, RemainingLength: 0}, "0000"},
	} {
		var p Packet = &tc.raw
		out, err := Append(nil, p, V5)
		if err != nil || !bytes.Equal(out, unhex(t, tc.wire)) {
			t.Errorf("%+v: %x, %v; want %s", tc.raw, out, err, tc.wire)
		}
		if p.Type() != Type(tc.raw.Header>>4) {
			t.Errorf("Type() = %v", p.Type())
		}
	}
}

func TestAppendBuffers(t *testing.T) {
	payload := []byte("hello")
	pub := &Publish{Topic: "a/b", QoS: 1, PacketID: 7, Payload: payload}
	bufs, err := AppendBuffers(nil, pub, V5)
	if err != nil || len(bufs) != 2 {
		t.Fatalf("publish: %d buffers, %v", len(bufs), err)
	}
	if &bufs[1][0] != &payload[0] {
		t.Error("payload was copied")
	}
	want := pub.AppendTo(nil, V5)
	if got := bytes.Join(bufs, nil); !bytes.Equal(got, want) {
		t.Errorf("joined %x, want %x", got, want)
	}
	bufs, err = AppendBuffers(bufs, &Puback{PacketID: 7}, V5)
	if err != nil || len(bufs) != 3 || !bytes.Equal(bufs[2], unhex(t, "40020007")) {
		t.Errorf("puback: %x, %v", bufs, err)
	}
	if _, err := AppendBuffers(nil, &Publish{Topic: "#"}, V5); err == nil {
		t.Error("invalid publish accepted")
	}
}
