// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Connack is the CONNACK packet (section 3.2) the server sends in reply to
// CONNECT.
type Connack struct {
	// SessionPresent tells the client whether the server holds its session.
	SessionPresent bool
	// ReasonCode is the v5 Connect Reason Code; for v3 it holds the v3
	// return code (ConnackV3Accepted ... ConnackV3NotAuthorized).
	ReasonCode ReasonCode
	// Properties are the CONNACK properties (v5).
	Properties Properties
}

// The CONNACK return codes of MQTT v3.1 and v3.1.1.
const (
	ConnackV3Accepted                    ReasonCode = 0x00
	ConnackV3UnacceptableProtocolVersion ReasonCode = 0x01
	ConnackV3IdentifierRejected          ReasonCode = 0x02
	ConnackV3ServerUnavailable           ReasonCode = 0x03
	ConnackV3BadUsernameOrPassword       ReasonCode = 0x04
	ConnackV3NotAuthorized               ReasonCode = 0x05
)
