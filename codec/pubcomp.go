// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Pubcomp is the PUBCOMP packet (section 3.7), the response to PUBREL.
type Pubcomp struct {
	PacketID uint16
	// ReasonCode is v5 only: 0x00 success or 0x92 packet identifier not found.
	ReasonCode ReasonCode
	Properties Properties
}
