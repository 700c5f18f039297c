// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"
)

// MaxVarInt is the largest value a Variable Byte Integer can hold
// (section 1.5.5), and hence the largest Remaining Length.
const MaxVarInt = 268435455

// Underlying causes of decode failures; they are wrapped in an *Error.
var (
	errShort         = errors.New("remaining length too short for content")
	errTrailing      = errors.New("trailing bytes after content")
	errVarIntLong    = errors.New("variable byte integer longer than 4 bytes")
	errVarIntMinimal = errors.New("variable byte integer not minimally encoded")
	errBadUTF8       = errors.New("ill-formed UTF-8, surrogate or U+0000")
	errTooLong       = errors.New("longer than 65,535 bytes")
	errZeroPacketID  = errors.New("packet identifier is 0")
	errReserved      = errors.New("reserved bits set")
	errV5Only        = errors.New("only defined in MQTT v5")
)

// ValidUTF8 reports whether b is a valid MQTT UTF-8 Encoded String body:
// well-formed UTF-8 without surrogate code points (U+D800..U+DFFF) and
// without U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2]. A byte order mark is valid
// and is kept [MQTT-1.5.4-3].
func ValidUTF8(b []byte) bool {
	// Go's utf8.Valid rejects encoded surrogates and overlong forms.
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

func validUTF8String(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// varIntLen is the number of bytes the Variable Byte Integer encoding of v
// takes.
func varIntLen(v int) int {
	switch {
	case v < 128:
		return 1
	case v < 16384:
		return 2
	case v < 2097152:
		return 3
	default:
		return 4
	}
}

// appendVarInt appends v (0..MaxVarInt) as a Variable Byte Integer.
func appendVarInt(dst []byte, v int) []byte {
	for v >= 128 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// parseVarInt reads a Variable Byte Integer from the start of b. It
// returns n == 0 with a nil error when b ends before the integer does.
// Encodings longer than 4 bytes or longer than necessary are malformed
// [MQTT-1.5.5-1].
func parseVarInt(b []byte) (v, n int, err error) {
	mult := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		v |= int(c&0x7F) << mult
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, 0, errVarIntMinimal
			}
			return v, i + 1, nil
		}
		if i == 3 {
			return 0, 0, errVarIntLong
		}
		mult += 7
	}
	return 0, 0, nil
}

func appendUint16(dst []byte, v uint16) []byte {
	return append(dst, byte(v>>8), byte(v))
}

func appendUint32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendString appends a UTF-8 Encoded String (two-byte length prefix).
// The caller validates length and content.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)>>8), byte(len(s)))
	return append(dst, s...)
}

// appendBinary appends Binary Data (two-byte length prefix).
func appendBinary(dst []byte, b []byte) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

// decoder reads primitive fields from a packet body, producing *Error
// values that name the packet and the field.
type decoder struct {
	b  []byte
	pt Type
}

func (d *decoder) fail(field string, code ReasonCode, err error) error {
	return &Error{Packet: d.pt, Field: field, Code: code, Err: err}
}

func (d *decoder) byte1(field string) (byte, error) {
	if len(d.b) < 1 {
		return 0, d.fail(field, MalformedPacket, errShort)
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c, nil
}

func (d *decoder) uint16(field string) (uint16, error) {
	if len(d.b) < 2 {
		return 0, d.fail(field, MalformedPacket, errShort)
	}
	v := uint16(d.b[0])<<8 | uint16(d.b[1])
	d.b = d.b[2:]
	return v, nil
}

func (d *decoder) uint32(field string) (uint32, error) {
	if len(d.b) < 4 {
		return 0, d.fail(field, MalformedPacket, errShort)
	}
	v := uint32(d.b[0])<<24 | uint32(d.b[1])<<16 | uint32(d.b[2])<<8 | uint32(d.b[3])
	d.b = d.b[4:]
	return v, nil
}

func (d *decoder) varInt(field string) (int, error) {
	v, n, err := parseVarInt(d.b)
	if err != nil {
		return 0, d.fail(field, MalformedPacket, err)
	}
	if n == 0 {
		return 0, d.fail(field, MalformedPacket, errShort)
	}
	d.b = d.b[n:]
	return v, nil
}

// binary reads Binary Data; the result aliases the body.
func (d *decoder) binary(field string) ([]byte, error) {
	if len(d.b) < 2 {
		return nil, d.fail(field, MalformedPacket, errShort)
	}
	n := int(d.b[0])<<8 | int(d.b[1])
	if len(d.b) < 2+n {
		return nil, d.fail(field, MalformedPacket, errShort)
	}
	v := d.b[2 : 2+n : 2+n]
	d.b = d.b[2+n:]
	return v, nil
}

// stringBytes reads a UTF-8 Encoded String without copying it, checking
// it is valid MQTT UTF-8 [MQTT-1.5.4-1] [MQTT-1.5.4-2].
func (d *decoder) stringBytes(field string) ([]byte, error) {
	b, err := d.binary(field)
	if err != nil {
		return nil, err
	}
	if !ValidUTF8(b) {
		return nil, d.fail(field, MalformedPacket, errBadUTF8)
	}
	return b, nil
}

// string reads a UTF-8 Encoded String and returns a copy.
func (d *decoder) string(field string) (string, error) {
	b, err := d.stringBytes(field)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// packetID reads a non-zero Packet Identifier.
func (d *decoder) packetID() (uint16, error) {
	id, err := d.uint16("packet identifier")
	if err == nil && id == 0 {
		err = d.fail("packet identifier", MalformedPacket, errZeroPacketID)
	}
	return id, err
}

// end reports trailing bytes as a malformed packet.
func (d *decoder) end(field string) error {
	if len(d.b) != 0 {
		return d.fail(field, MalformedPacket, errTrailing)
	}
	return nil
}

// validateString checks a string about to be encoded.
func validateString(pt Type, field string, s string) error {
	if len(s) > 65535 {
		return &Error{Packet: pt, Field: field, Code: MalformedPacket, Err: errTooLong}
	}
	if !validUTF8String(s) {
		return &Error{Packet: pt, Field: field, Code: MalformedPacket, Err: errBadUTF8}
	}
	return nil
}

func validateBinary(pt Type, field string, b []byte) error {
	if len(b) > 65535 {
		return &Error{Packet: pt, Field: field, Code: MalformedPacket, Err: errTooLong}
	}
	return nil
}
