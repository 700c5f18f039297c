// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Publish is the PUBLISH packet (section 3.3), which carries an application
// message in either direction.
type Publish struct {
	// Dup is set when this may be a re-delivery of an earlier attempt.
	Dup bool
	// QoS is the quality of service level: 0, 1 or 2.
	QoS QoS
	// Retain asks the server to keep the message for future subscribers.
	Retain bool
	// Topic is the topic name; in v5 it may be empty when TopicAlias is set.
	Topic string
	// PacketID is present only when QoS > 0 and must then be non-zero.
	PacketID uint16
	// Properties are the PUBLISH properties (v5).
	Properties Properties
	// Payload is the application message; it aliases the decoded frame.
	Payload []byte
}
