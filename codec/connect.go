// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Connect is the CONNECT packet (section 3.1), the first packet a client
// sends on a network connection.
type Connect struct {
	// ProtocolName is "MQTT" for v3.1.1 and v5, "MQIsdp" for v3.1.
	ProtocolName string
	// ProtocolVersion is the protocol level: 3, 4 or 5.
	ProtocolVersion Version
	// CleanStart is the Clean Start flag (v5) or Clean Session flag (v3).
	CleanStart bool
	// KeepAlive is the maximum interval in seconds between control packets.
	KeepAlive uint16
	// Properties are the CONNECT properties (v5).
	Properties Properties
	// ClientID is the client identifier; it may be empty.
	ClientID string
	// Will is the will message, or nil when the Will Flag is 0.
	Will *Will
	// Username is nil when the User Name Flag is 0.
	Username *string
	// Password is nil when the Password Flag is 0.
	Password []byte
}

// Will is the will message of a CONNECT packet.
type Will struct {
	QoS    QoS
	Retain bool
	// Properties are the will properties (v5).
	Properties Properties
	Topic      string
	Payload    []byte
}
