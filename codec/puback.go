// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Puback is the PUBACK packet (section 3.4), the response to a QoS 1 PUBLISH.
type Puback struct {
	PacketID uint16
	// ReasonCode is v5 only; v3 packets always mean success.
	ReasonCode ReasonCode
	Properties Properties
}
