// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Suback is the SUBACK packet (section 3.9): one reason code per
// subscription of the SUBSCRIBE it answers. v3.1.1 return codes are 0x00,
// 0x01, 0x02 and 0x80 (failure).
type Suback struct {
	PacketID    uint16
	Properties  Properties
	ReasonCodes []ReasonCode
}
