// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"testing"
)

// TestDupFlagOfMQTT31: MQTT 3.1 clients set DUP on a resent PUBREL,
// SUBSCRIBE or UNSUBSCRIBE (their QoS 1 packets); the header parses and
// the body decodes at V31, while v3.1.1 and v5 refuse the flags
// [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1].
func TestDupFlagOfMQTT31(t *testing.T) {
	for _, wire := range []string{"6a020001", "8a06000100012300", "aa050001000123"} {
		b := unhex(t, wire)
		if _, _, err := ParseHeader(b); err != nil {
			t.Errorf("%s: header: %v", wire, err)
		}
		if _, err := decodeFrame(t, b, V31); err != nil {
			t.Errorf("%s at V31: %v", wire, err)
		}
		for _, v := range []Version{V311, V5} {
			_, err := decodeFrame(t, b, v)
			wantCode(t, err, MalformedPacket)
		}
	}
}

// TestConnackOfMQTT31: MQTT 3.1 has no Session Present flag; the byte is
// reserved, so a CONNACK for a 3.1 client carries 0 there even for a
// resumed session.
func TestConnackOfMQTT31(t *testing.T) {
	p := &Connack{SessionPresent: true}
	for _, tc := range []struct {
		v    Version
		wire string
	}{{V31, "20020000"}, {V311, "20020100"}} {
		got, err := Append(nil, p, tc.v)
		if err != nil || !bytes.Equal(got, unhex(t, tc.wire)) {
			t.Errorf("version %d: got %x, %v; want %s", tc.v, got, err, tc.wire)
		}
	}
	// A 3.1 client ignores the reserved byte.
	got, err := decodeFrame(t, unhex(t, "20020100"), V31)
	if err != nil || got.(*Connack).SessionPresent {
		t.Errorf("3.1 CONNACK 20020100: got %+v, %v; want no session present", got, err)
	}
}
