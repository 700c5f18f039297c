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

// Type returns UNSUBACK.
func (p *Unsuback) Type() Type { return UNSUBACK }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier and, at v5, at least one reason code UNSUBACK allows. Before
// v5 the reason codes are not encoded; success codes (below 0x80) are
// accepted and dropped, failure codes are an error since a v3 UNSUBACK
// cannot express them.
func (p *Unsuback) Validate(v Version) error {
	if err := checkVersion(UNSUBACK, v); err != nil {
		return err
	}
	if p.PacketID == 0 {
		return &Error{Packet: UNSUBACK, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if v < V5 {
		for _, rc := range p.ReasonCodes {
			if rc.IsError() {
				return &Error{Packet: UNSUBACK, Field: "reason code", Code: ProtocolError, Err: errV5Only}
			}
		}
	} else {
		if len(p.ReasonCodes) == 0 {
			return &Error{Packet: UNSUBACK, Field: "payload", Code: ProtocolError, Err: errNoReasonCodes}
		}
		for _, rc := range p.ReasonCodes {
			if !unsubackCodes.has(rc) {
				return badReasonCode(UNSUBACK)
			}
		}
	}
	if err := p.Properties.validate(UNSUBACK, v, propsAck); err != nil {
		return err
	}
	return checkSize(UNSUBACK, ackListLen(v, len(p.ReasonCodes), p.Properties.size()))
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Unsuback) AppendTo(dst []byte, v Version) []byte {
	if v < V5 {
		return appendUint16(append(dst, byte(UNSUBACK)<<4, 2), p.PacketID)
	}
	ps := p.Properties.size()
	dst = appendFixedHeader(dst, UNSUBACK, 0, ackListLen(v, len(p.ReasonCodes), ps))
	dst = appendUint16(dst, p.PacketID)
	dst = p.Properties.appendProps(dst, ps)
	for _, rc := range p.ReasonCodes {
		dst = append(dst, byte(rc))
	}
	return dst
}

// Decode decodes an UNSUBACK body of version v into p.
func (p *Unsuback) Decode(flags byte, body []byte, v Version) error {
	*p = Unsuback{}
	if err := checkFlags(UNSUBACK, flags, v); err != nil {
		return err
	}
	d := decoder{b: body, pt: UNSUBACK}
	var err error
	if p.PacketID, err = d.packetID(); err != nil {
		return err
	}
	if v < V5 {
		return d.end("packet identifier")
	}
	if err := d.decodeProps(&p.Properties, propsAck); err != nil {
		return err
	}
	p.ReasonCodes, err = decodeCodes(&d, &unsubackCodes)
	return err
}
