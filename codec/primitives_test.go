// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"testing"
)

func TestVarInt(t *testing.T) {
	// Section 1.5.5, table of Variable Byte Integer sizes.
	for _, tc := range []struct {
		v    int
		wire string
	}{
		{0, "00"}, {127, "7f"}, {128, "8001"}, {16383, "ff7f"}, {16384, "808001"},
		{2097151, "ffff7f"}, {2097152, "80808001"}, {MaxVarInt, "ffffff7f"},
	} {
		want := unhex(t, tc.wire)
		got := appendVarInt(nil, tc.v)
		if !bytes.Equal(got, want) {
			t.Errorf("appendVarInt(%d) = %x, want %x", tc.v, got, want)
		}
		if n := varIntLen(tc.v); n != len(want) {
			t.Errorf("varIntLen(%d) = %d, want %d", tc.v, n, len(want))
		}
		v, n, err := parseVarInt(append(want, 0xAA))
		if err != nil || v != tc.v || n != len(want) {
			t.Errorf("parseVarInt(%x) = %d, %d, %v", want, v, n, err)
		}
	}
}

func TestVarIntMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire string
		err  error
	}{
		{"five bytes", "ffffffff7f", errVarIntLong},
		{"five bytes of zero", "8080808000", errVarIntLong},
		// [MQTT-1.5.5-1] The encoded value MUST use the minimum number of bytes.
		{"zero in two bytes", "8000", errVarIntMinimal},
		{"127 in three bytes", "ff8000", errVarIntMinimal},
		{"zero in four bytes", "80808000", errVarIntMinimal},
	} {
		_, _, err := parseVarInt(unhex(t, tc.wire))
		if err != tc.err {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
	}
	if _, n, err := parseVarInt(unhex(t, "8080")); n != 0 || err != nil {
		t.Errorf("incomplete: n %d err %v, want 0, nil", n, err)
	}
}

func TestValidUTF8(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"empty", nil, true},
		{"ascii", []byte("a/b/c"), true},
		{"two-byte", []byte("caf\u00e9"), true},
		{"four-byte", []byte("\U0001F600"), true},
		// [MQTT-1.5.4-3] A BOM is a valid character and is kept.
		{"byte order mark", []byte("\xEF\xBB\xBFx"), true},
		// [MQTT-1.5.4-2] U+0000 is not allowed.
		{"null", []byte("a\x00b"), false},
		// [MQTT-1.5.4-1] Ill-formed UTF-8 and surrogates are not allowed.
		{"surrogate D800", []byte("\xED\xA0\x80"), false},
		{"surrogate DFFF", []byte("\xED\xBF\xBF"), false},
		{"overlong slash", []byte("\xC0\xAF"), false},
		{"truncated", []byte("\xE2\x82"), false},
		{"stray continuation", []byte("\x80"), false},
		{"above U+10FFFF", []byte("\xF4\x90\x80\x80"), false},
	} {
		if got := ValidUTF8(tc.b); got != tc.ok {
			t.Errorf("%s: ValidUTF8(%x) = %v, want %v", tc.name, tc.b, got, tc.ok)
		}
	}
}

func TestDecoderStrings(t *testing.T) {
	// [MQTT-1.5.4-3] The BOM survives decoding.
	d := decoder{b: unhex(t, "0004 efbbbf41"), pt: CONNECT}
	s, err := d.string("client identifier")
	if err != nil || s != "\uFEFFA" {
		t.Fatalf("BOM string = %q, %v", s, err)
	}
	for _, tc := range []struct{ name, wire string }{
		{"null", "0002 4100"},               // [MQTT-1.5.4-2]
		{"surrogate", "0003 eda080"},        // [MQTT-1.5.4-1]
		{"length beyond body", "0005 4142"}, // remaining length too short
		{"one byte", "00"},
	} {
		d := decoder{b: unhex(t, tc.wire), pt: CONNECT}
		_, err := d.string("client identifier")
		wantCode(t, err, MalformedPacket)
	}
	d = decoder{b: unhex(t, "0002 ff00 01"), pt: CONNECT}
	b, err := d.binary("password")
	if err != nil || !bytes.Equal(b, []byte{0xff, 0}) || len(d.b) != 1 {
		t.Fatalf("binary = %x, %v, rest %x", b, err, d.b)
	}
}

func TestAppendPrimitives(t *testing.T) {
	got := appendString(nil, "MQTT")
	got = appendBinary(got, []byte{1, 2})
	got = appendUint16(got, 0x1234)
	got = appendUint32(got, 0xDEADBEEF)
	if want := unhex(t, "0004 4d515454 0002 0102 1234 deadbeef"); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}
