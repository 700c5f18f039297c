// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"fmt"
)

// Error is a decoding or validation failure. It names the packet and the
// field at fault and carries the v5 reason code a server sends back
// (0x81 malformed packet, 0x82 protocol error, 0x8F, 0x90, 0x95, ...).
type Error struct {
	// Packet is the control packet type being decoded or validated; 0 when
	// the fixed header itself could not be read.
	Packet Type
	// Field names what was wrong, e.g. "topic name" or "property 0x23".
	Field string
	// Code is the v5 reason code for the failure.
	Code ReasonCode
	// Err is the underlying cause.
	Err error
}

// Error formats as "decode PUBLISH: topic name: wildcard in topic name (0x90 topic name invalid)".
func (e *Error) Error() string {
	pk := "packet"
	if e.Packet != 0 {
		pk = e.Packet.String()
	}
	return fmt.Sprintf("%s: %s: %v (0x%02X %s)", pk, e.Field, e.Err, byte(e.Code), e.Code)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the reason code carried by err if it is or wraps an
// *Error, and UnspecifiedError otherwise.
func CodeOf(err error) ReasonCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return UnspecifiedError
}

// Sentinel causes that callers may test with errors.Is.
var (
	// ErrIncomplete means more bytes are needed to parse a fixed header or frame.
	ErrIncomplete = errors.New("incomplete packet")
	// ErrPacketTooLarge means a frame exceeds the configured maximum size.
	ErrPacketTooLarge = errors.New("packet exceeds maximum packet size")
	// ErrProtocolName means a CONNECT's protocol name is not the one of its
	// protocol level ("MQTT" for 4 and 5, "MQIsdp" for 3): the client may
	// speak another protocol altogether [MQTT-3.1.2-1].
	ErrProtocolName = errors.New("protocol name does not match protocol level")
)

// String returns the packet type's name, e.g. "PUBLISH".
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("packet type %d", byte(t))
}

var typeNames = [...]string{
	CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
	PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
	SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE", UNSUBACK: "UNSUBACK",
	PINGREQ: "PINGREQ", PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", AUTH: "AUTH",
}
