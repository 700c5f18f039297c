// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Pubrec is the PUBREC packet (section 3.5), the first response to a QoS 2 PUBLISH.
type Pubrec struct {
	PacketID uint16
	// ReasonCode is v5 only.
	ReasonCode ReasonCode
	Properties Properties
}
