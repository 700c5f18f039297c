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

// Type returns PUBREL.
func (p *Pubrel) Type() Type { return PUBREL }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier [MQTT-2.2.1-5], a reason code PUBREL allows (only 0x00 before v5)
// and only a reason string and user properties.
func (p *Pubrel) Validate(v Version) error {
	return validateAck(PUBREL, v, p.PacketID, p.ReasonCode, &p.Properties, &pubrelCodes)
}

// AppendTo appends the encoding of p for version v to dst, omitting the
// reason code and properties when they may be.
func (p *Pubrel) AppendTo(dst []byte, v Version) []byte {
	return appendAck(dst, PUBREL, 0x02, v, p.PacketID, p.ReasonCode, &p.Properties)
}

// Decode decodes a PUBREL body of version v into p.
func (p *Pubrel) Decode(flags byte, body []byte, v Version) error {
	*p = Pubrel{}
	return decodeAck(PUBREL, flags, body, v, &p.PacketID, &p.ReasonCode, &p.Properties, &pubrelCodes)
}
