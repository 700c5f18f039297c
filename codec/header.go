// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"net"
)

// MaxHeaderSize is the largest fixed header: one byte of type and flags
// and a four-byte Remaining Length.
const MaxHeaderSize = 5

var (
	errFlags      = errors.New("invalid fixed header flags")
	errType       = errors.New("reserved packet type 0")
	errQoS3       = errors.New("QoS 3 is not allowed")
	errAuthV3     = errors.New("AUTH is only defined in MQTT v5")
	errNilPacket  = errors.New("nil packet")
	errBadVersion = errors.New("unsupported protocol version")
)

// anyVersion is the version ParseHeader checks flags at: the header comes
// before the connection's version is known, so the per-version rules are
// applied again when the body is decoded.
const anyVersion Version = 0

// checkFlags applies the fixed header flag rules of Table 2.2
// [MQTT-2.2.2-1] [MQTT-2.2.2-2] at version v: every packet other than
// PUBLISH has fixed reserved flags, and PUBLISH must not have QoS 3
// [MQTT-3.3.1-4]. MQTT 3.1 defined those flags as DUP, QoS and RETAIN, and
// its clients set DUP when they resend a PUBREL, SUBSCRIBE or UNSUBSCRIBE
// (QoS 1): at V31 (and anyVersion) that form is accepted too.
func checkFlags(t Type, flags byte, v Version) error {
	switch t {
	case 0:
		return &Error{Field: "fixed header", Code: MalformedPacket, Err: errType}
	case PUBLISH:
		if flags&0x06 == 0x06 {
			return &Error{Packet: t, Field: "fixed header", Code: MalformedPacket, Err: errQoS3}
		}
		return nil
	case PUBREL, SUBSCRIBE, UNSUBSCRIBE:
		if flags != 0x02 && (flags != 0x0A || v > V31) {
			return &Error{Packet: t, Field: "fixed header", Code: MalformedPacket, Err: errFlags}
		}
	default:
		if flags != 0 {
			return &Error{Packet: t, Field: "fixed header", Code: MalformedPacket, Err: errFlags}
		}
	}
	return nil
}

// ParseHeader parses the fixed header at the start of b and returns it with
// the number of bytes it occupies. It returns an error wrapping
// ErrIncomplete when b ends before the header does, and an *Error (0x81)
// for a Remaining Length longer than four bytes or not minimally encoded,
// for reserved flags with the wrong value and for packet type 0.
func ParseHeader(b []byte) (h FixedHeader, n int, err error) {
	if len(b) < 2 {
		return h, 0, ErrIncomplete
	}
	rl, m, err := parseVarInt(b[1:])
	if err != nil {
		return h, 0, &Error{Packet: Type(b[0] >> 4), Field: "remaining length", Code: MalformedPacket, Err: err}
	}
	if m == 0 {
		return h, 0, ErrIncomplete
	}
	h = FixedHeader{Type: Type(b[0] >> 4), Flags: b[0] & 0x0F, RemainingLength: rl}
	if err := checkFlags(h.Type, h.Flags, anyVersion); err != nil {
		return FixedHeader{}, 0, err
	}
	return h, 1 + m, nil
}

// decoderFor allocates an empty packet of each type that can be decoded.
var decoderFor = [16]func() packetDecoder{
	CONNECT:     func() packetDecoder { return new(Connect) },
	CONNACK:     func() packetDecoder { return new(Connack) },
	PUBLISH:     func() packetDecoder { return new(Publish) },
	PUBACK:      func() packetDecoder { return new(Puback) },
	PUBREC:      func() packetDecoder { return new(Pubrec) },
	PUBREL:      func() packetDecoder { return new(Pubrel) },
	PUBCOMP:     func() packetDecoder { return new(Pubcomp) },
	SUBSCRIBE:   func() packetDecoder { return new(Subscribe) },
	SUBACK:      func() packetDecoder { return new(Suback) },
	UNSUBSCRIBE: func() packetDecoder { return new(Unsubscribe) },
	UNSUBACK:    func() packetDecoder { return new(Unsuback) },
	PINGREQ:     func() packetDecoder { return new(Pingreq) },
	PINGRESP:    func() packetDecoder { return new(Pingresp) },
	DISCONNECT:  func() packetDecoder { return new(Disconnect) },
	AUTH:        func() packetDecoder { return new(Auth) },
}

type packetDecoder = interface {
	Packet
	Decode(flags byte, body []byte, v Version) error
}

// Decode decodes the body of a frame with fixed header h at protocol
// version v into a newly allocated packet (*Connect, *Publish, ...).
// body must hold exactly h.RemainingLength bytes. Byte slices of the packet
// alias body. For CONNECT, v is ignored: the packet carries its version.
// On a decode error the partly decoded packet is returned with the error,
// so that a server can read Connect.ProtocolVersion.
func Decode(h FixedHeader, body []byte, v Version) (Packet, error) {
	if h.Type == 0 || int(h.Type) >= len(decoderFor) {
		return nil, &Error{Field: "fixed header", Code: MalformedPacket, Err: errType}
	}
	if len(body) != h.RemainingLength {
		return nil, &Error{Packet: h.Type, Field: "remaining length", Code: MalformedPacket, Err: errShort}
	}
	p := decoderFor[h.Type]()
	if err := p.Decode(h.Flags, body, v); err != nil {
		return p, err
	}
	return p, nil
}

// Append validates p for protocol version v and appends its encoding to
// dst. On a validation error dst is returned unchanged.
func Append(dst []byte, p Packet, v Version) ([]byte, error) {
	if p == nil {
		return dst, &Error{Field: "packet", Code: UnspecifiedError, Err: errNilPacket}
	}
	if err := p.Validate(v); err != nil {
		return dst, err
	}
	return p.AppendTo(dst, v), nil
}

// Encoder encodes packets for one protocol version.
type Encoder struct {
	// Version is the protocol version packets are encoded for.
	Version Version
	// AllowIllegal skips validation so that packets that break the
	// specification can be written. It exists for conformance and fuzz
	// suites that attack a peer; it is off by default and a broker never
	// sets it.
	AllowIllegal bool
}

// Append appends the encoding of p to dst, validating p first unless
// e.AllowIllegal is set.
func (e Encoder) Append(dst []byte, p Packet) ([]byte, error) {
	if e.AllowIllegal {
		if p == nil {
			return dst, &Error{Field: "packet", Code: UnspecifiedError, Err: errNilPacket}
		}
		return p.AppendTo(dst, e.Version), nil
	}
	return Append(dst, p, e.Version)
}

// AppendBuffers validates p for version v and appends its encoding to bufs
// for a vectored write. A *Publish is appended as two slices, the header
// part and its payload; the payload is not copied, so it must stay
// unchanged until the buffers are written. Any other packet is appended as
// one slice.
func AppendBuffers(bufs net.Buffers, p Packet, v Version) (net.Buffers, error) {
	if p == nil {
		return bufs, &Error{Field: "packet", Code: UnspecifiedError, Err: errNilPacket}
	}
	if err := p.Validate(v); err != nil {
		return bufs, err
	}
	if pub, ok := p.(*Publish); ok {
		hdr, _ := pub.AppendHeader(nil, v)
		bufs = append(bufs, hdr)
		if len(pub.Payload) > 0 {
			bufs = append(bufs, pub.Payload)
		}
		return bufs, nil
	}
	return append(bufs, p.AppendTo(nil, v)), nil
}

// appendFixedHeader appends the first byte and the Remaining Length.
func appendFixedHeader(dst []byte, t Type, flags byte, rl int) []byte {
	return appendVarInt(append(dst, byte(t)<<4|flags), rl)
}

// checkVersion rejects versions this package does not speak.
func checkVersion(pt Type, v Version) error {
	if v < V31 || v > V5 {
		return &Error{Packet: pt, Field: "protocol version", Code: UnsupportedProtocolVersion, Err: errBadVersion}
	}
	return nil
}

// checkSize rejects packets whose Remaining Length would not fit in a
// Variable Byte Integer.
func checkSize(pt Type, rl int) error {
	if rl > MaxVarInt {
		return &Error{Packet: pt, Field: "remaining length", Code: PacketTooLarge, Err: ErrPacketTooLarge}
	}
	return nil
}
