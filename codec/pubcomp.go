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

// Type returns PUBCOMP.
func (p *Pubcomp) Type() Type { return PUBCOMP }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier [MQTT-2.2.1-5], a reason code PUBCOMP allows (only 0x00 before v5)
// and only a reason string and user properties.
func (p *Pubcomp) Validate(v Version) error {
	return validateAck(PUBCOMP, v, p.PacketID, p.ReasonCode, &p.Properties, &pubrelCodes)
}

// AppendTo appends the encoding of p for version v to dst, omitting the
// reason code and properties when they may be.
func (p *Pubcomp) AppendTo(dst []byte, v Version) []byte {
	return appendAck(dst, PUBCOMP, 0, v, p.PacketID, p.ReasonCode, &p.Properties)
}

// Decode decodes a PUBCOMP body of version v into p.
func (p *Pubcomp) Decode(flags byte, body []byte, v Version) error {
	*p = Pubcomp{}
	return decodeAck(PUBCOMP, flags, body, v, &p.PacketID, &p.ReasonCode, &p.Properties, &pubrelCodes)
}
