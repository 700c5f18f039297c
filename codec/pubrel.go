// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Pubrel is the PUBREL packet (section 3.6), the response to PUBREC. Its
// fixed header flags must be 0b0010.
type Pubrel struct {
	PacketID uint16
	// ReasonCode is v5 only: 0x00 success or 0x92 packet identifier not found.
	ReasonCode ReasonCode
	Properties Properties
}
