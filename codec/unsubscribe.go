// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "fmt"

// Unsubscribe is the UNSUBSCRIBE packet (section 3.10). Its fixed header
// flags must be 0b0010.
type Unsubscribe struct {
	PacketID   uint16
	Properties Properties
	// Filters is never empty in a valid packet.
	Filters []string
}

// Type returns UNSUBSCRIBE.
func (p *Unsubscribe) Type() Type { return UNSUBSCRIBE }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier, at least one filter [MQTT-3.10.3-2], each a valid topic
// filter, and only user properties.
func (p *Unsubscribe) Validate(v Version) error {
	if err := checkVersion(UNSUBSCRIBE, v); err != nil {
		return err
	}
	if p.PacketID == 0 {
		return &Error{Packet: UNSUBSCRIBE, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if len(p.Filters) == 0 {
		return &Error{Packet: UNSUBSCRIBE, Field: "payload", Code: ProtocolError, Err: errNoSubscriptions}
	}
	if err := p.Properties.validate(UNSUBSCRIBE, v, propsUnsubscribe); err != nil {
		return err
	}
	for i, f := range p.Filters {
		if err := ValidateTopicFilter(f); err != nil {
			return &Error{Packet: UNSUBSCRIBE, Field: fmt.Sprintf("topic filter %d", i+1), Code: TopicFilterInvalid, Err: err}
		}
	}
	_, rl := p.lengths(v)
	return checkSize(UNSUBSCRIBE, rl)
}

func (p *Unsubscribe) lengths(v Version) (ps, rl int) {
	rl = 2
	if v >= V5 {
		ps = p.Properties.size()
		rl += varIntLen(ps) + ps
	}
	for _, f := range p.Filters {
		rl += 2 + len(f)
	}
	return ps, rl
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Unsubscribe) AppendTo(dst []byte, v Version) []byte {
	ps, rl := p.lengths(v)
	dst = appendFixedHeader(dst, UNSUBSCRIBE, 0x02, rl)
	dst = appendUint16(dst, p.PacketID)
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	for _, f := range p.Filters {
		dst = appendString(dst, f)
	}
	return dst
}

// Decode decodes an UNSUBSCRIBE body of version v into p. Like
// Subscribe.Decode it does not reject semantically invalid filters.
func (p *Unsubscribe) Decode(flags byte, body []byte, v Version) error {
	*p = Unsubscribe{}
	if err := checkFlags(UNSUBSCRIBE, flags, v); err != nil {
		return err // [MQTT-3.10.1-1]
	}
	d := decoder{b: body, pt: UNSUBSCRIBE}
	var err error
	if p.PacketID, err = d.packetID(); err != nil {
		return err
	}
	if v >= V5 {
		if err := d.decodeProps(&p.Properties, propsUnsubscribe); err != nil {
			return err
		}
	}
	if len(d.b) == 0 {
		return d.fail("payload", ProtocolError, errNoSubscriptions) // [MQTT-3.10.3-2]
	}
	for len(d.b) > 0 {
		f, err := d.string("topic filter")
		if err != nil {
			return err
		}
		p.Filters = append(p.Filters, f)
	}
	return nil
}
