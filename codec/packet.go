// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Version is an MQTT protocol level as carried in the CONNECT packet.
type Version byte

// The protocol levels this package speaks.
const (
	V31  Version = 3 // MQTT v3.1, protocol name "MQIsdp"
	V311 Version = 4 // MQTT v3.1.1, protocol name "MQTT"
	V5   Version = 5 // MQTT v5.0, protocol name "MQTT"
)

// Type is the MQTT control packet type held in the high nibble of the first
// byte of every packet.
type Type byte

// The control packet types of MQTT v3.1, v3.1.1 and v5.0.
const (
	CONNECT     Type = 1
	CONNACK     Type = 2
	PUBLISH     Type = 3
	PUBACK      Type = 4
	PUBREC      Type = 5
	PUBREL      Type = 6
	PUBCOMP     Type = 7
	SUBSCRIBE   Type = 8
	SUBACK      Type = 9
	UNSUBSCRIBE Type = 10
	UNSUBACK    Type = 11
	PINGREQ     Type = 12
	PINGRESP    Type = 13
	DISCONNECT  Type = 14
	AUTH        Type = 15 // v5 only
)

// QoS is a quality-of-service level: 0 at most once, 1 at least once,
// 2 exactly once.
type QoS byte

// Packet is implemented by every control packet type of this package.
type Packet interface {
	// Type reports the control packet type.
	Type() Type
	// Validate reports whether the packet may be sent at protocol version v.
	// The error is an *Error carrying the v5 reason code.
	Validate(v Version) error
	// AppendTo appends the encoded packet for protocol version v to dst
	// without validating it; use [Append] or an [Encoder] to validate first.
	AppendTo(dst []byte, v Version) []byte
}

// FixedHeader is the first part of every control packet.
type FixedHeader struct {
	Type Type
	// Flags is the low nibble of the first byte.
	Flags byte
	// RemainingLength is the length of the variable header and payload.
	RemainingLength int
}

// Ptr returns a pointer to v; it is a convenience for setting optional
// properties, e.g. Properties{MessageExpiry: codec.Ptr(uint32(60))}.
func Ptr[T any](v T) *T { return &v }
