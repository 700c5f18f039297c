// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Unsuback is the UNSUBACK packet (section 3.11). v3 UNSUBACK packets carry
// no reason codes; v5 ones carry one per filter.
type Unsuback struct {
	PacketID    uint16
	Properties  Properties
	ReasonCodes []ReasonCode
}
