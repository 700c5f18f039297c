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

// Type returns PUBREC.
func (p *Pubrec) Type() Type { return PUBREC }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier [MQTT-2.2.1-5], a reason code PUBREC allows (only 0x00 before v5)
// and only a reason string and user properties.
func (p *Pubrec) Validate(v Version) error {
	return validateAck(PUBREC, v, p.PacketID, p.ReasonCode, &p.Properties, &pubackCodes)
}

// AppendTo appends the encoding of p for version v to dst, omitting the
// reason code and properties when they may be.
func (p *Pubrec) AppendTo(dst []byte, v Version) []byte {
	return appendAck(dst, PUBREC, 0, v, p.PacketID, p.ReasonCode, &p.Properties)
}

// Decode decodes a PUBREC body of version v into p.
func (p *Pubrec) Decode(flags byte, body []byte, v Version) error {
	*p = Pubrec{}
	return decodeAck(PUBREC, flags, body, v, &p.PacketID, &p.ReasonCode, &p.Properties, &pubackCodes)
}
