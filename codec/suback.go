// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "errors"

// Suback is the SUBACK packet (section 3.9): one reason code per
// subscription of the SUBSCRIBE it answers. v3.1.1 return codes are 0x00,
// 0x01, 0x02 and 0x80 (failure).
type Suback struct {
	PacketID    uint16
	Properties  Properties
	ReasonCodes []ReasonCode
}

var errNoReasonCodes = errors.New("no reason code in payload")

// Type returns SUBACK.
func (p *Suback) Type() Type { return SUBACK }

func subackCodeSet(v Version) *codeSet {
	if v < V5 {
		return &subackCodesV3
	}
	return &subackCodes
}

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier, at least one reason code, each one SUBACK allows at v
// (0x00, 0x01, 0x02 and 0x80 before v5).
func (p *Suback) Validate(v Version) error {
	if err := checkVersion(SUBACK, v); err != nil {
		return err
	}
	if p.PacketID == 0 {
		return &Error{Packet: SUBACK, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if len(p.ReasonCodes) == 0 {
		return &Error{Packet: SUBACK, Field: "payload", Code: ProtocolError, Err: errNoReasonCodes}
	}
	codes := subackCodeSet(v)
	for _, rc := range p.ReasonCodes {
		if !codes.has(rc) {
			return badReasonCode(SUBACK)
		}
	}
	if err := p.Properties.validate(SUBACK, v, propsAck); err != nil {
		return err
	}
	return checkSize(SUBACK, ackListLen(v, len(p.ReasonCodes), p.Properties.size()))
}

// ackListLen is the Remaining Length of a SUBACK or UNSUBACK.
func ackListLen(v Version, codes, ps int) int {
	if v < V5 {
		return 2 + codes
	}
	return 2 + varIntLen(ps) + ps + codes
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Suback) AppendTo(dst []byte, v Version) []byte {
	ps := 0
	if v >= V5 {
		ps = p.Properties.size()
	}
	dst = appendFixedHeader(dst, SUBACK, 0, ackListLen(v, len(p.ReasonCodes), ps))
	dst = appendUint16(dst, p.PacketID)
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	for _, rc := range p.ReasonCodes {
		dst = append(dst, byte(rc))
	}
	return dst
}

// Decode decodes a SUBACK body of version v into p.
func (p *Suback) Decode(flags byte, body []byte, v Version) error {
	*p = Suback{}
	if err := checkFlags(SUBACK, flags, v); err != nil {
		return err
	}
	d := decoder{b: body, pt: SUBACK}
	var err error
	if p.PacketID, err = d.packetID(); err != nil {
		return err
	}
	if v >= V5 {
		if err := d.decodeProps(&p.Properties, propsAck); err != nil {
			return err
		}
	}
	p.ReasonCodes, err = decodeCodes(&d, subackCodeSet(v))
	return err
}

// decodeCodes reads the list of reason codes that ends a SUBACK or a v5
// UNSUBACK; the list must not be empty.
func decodeCodes(d *decoder, codes *codeSet) ([]ReasonCode, error) {
	if len(d.b) == 0 {
		return nil, d.fail("payload", ProtocolError, errNoReasonCodes)
	}
	rcs := make([]ReasonCode, len(d.b))
	for i, c := range d.b {
		rcs[i] = ReasonCode(c)
		if !codes.has(rcs[i]) {
			return nil, badReasonCode(d.pt)
		}
	}
	d.b = nil
	return rcs, nil
}
