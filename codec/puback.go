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

// Type returns PUBACK.
func (p *Puback) Type() Type { return PUBACK }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier [MQTT-2.2.1-5], a reason code PUBACK allows (only 0x00 before v5)
// and only a reason string and user properties.
func (p *Puback) Validate(v Version) error {
	return validateAck(PUBACK, v, p.PacketID, p.ReasonCode, &p.Properties, &pubackCodes)
}

// AppendTo appends the encoding of p for version v to dst, omitting the
// reason code and properties when they may be.
func (p *Puback) AppendTo(dst []byte, v Version) []byte {
	return appendAck(dst, PUBACK, 0, v, p.PacketID, p.ReasonCode, &p.Properties)
}

// Decode decodes a PUBACK body of version v into p.
func (p *Puback) Decode(flags byte, body []byte, v Version) error {
	*p = Puback{}
	return decodeAck(PUBACK, flags, body, v, &p.PacketID, &p.ReasonCode, &p.Properties, &pubackCodes)
}
