// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"fmt"
	"strings"
)

// Subscribe is the SUBSCRIBE packet (section 3.8). Its fixed header flags
// must be 0b0010.
type Subscribe struct {
	PacketID   uint16
	Properties Properties
	// Subscriptions is never empty in a valid packet.
	Subscriptions []Subscription
}

// Subscription is one topic filter of a SUBSCRIBE packet with its options.
type Subscription struct {
	// Filter is the topic filter, possibly a shared one ("$share/group/filter").
	Filter string
	// QoS is the maximum QoS the client wants for this subscription.
	QoS QoS
	// NoLocal (v5): do not send messages published by this client back to it.
	NoLocal bool
	// RetainAsPublished (v5): keep the RETAIN flag of forwarded messages.
	RetainAsPublished bool
	// RetainHandling (v5): 0 send retained messages on subscribe, 1 only
	// if the subscription is new, 2 never.
	RetainHandling byte
}

var (
	errNoSubscriptions = errors.New("no topic filter in payload")
	errSubOptions      = errors.New("invalid subscription options")
	errNoLocalShared   = errors.New("no local set on a shared subscription")
)

// Type returns SUBSCRIBE.
func (p *Subscribe) Type() Type { return SUBSCRIBE }

// Validate reports whether p may be sent at version v: a non-zero packet
// identifier, at least one subscription [MQTT-3.8.3-2], valid topic
// filters, QoS and Retain Handling 0..2, v5 options only at v5, no No Local
// on a shared subscription [MQTT-3.8.3-4] and at most one subscription
// identifier.
func (p *Subscribe) Validate(v Version) error {
	if err := checkVersion(SUBSCRIBE, v); err != nil {
		return err
	}
	if p.PacketID == 0 {
		return &Error{Packet: SUBSCRIBE, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if len(p.Subscriptions) == 0 {
		return &Error{Packet: SUBSCRIBE, Field: "payload", Code: ProtocolError, Err: errNoSubscriptions}
	}
	if err := p.Properties.validate(SUBSCRIBE, v, propsSubscribe); err != nil {
		return err
	}
	for i := range p.Subscriptions {
		s := &p.Subscriptions[i]
		if err := ValidateTopicFilter(s.Filter); err != nil {
			return &Error{Packet: SUBSCRIBE, Field: fmt.Sprintf("topic filter %d", i+1), Code: TopicFilterInvalid, Err: err}
		}
		if s.QoS > 2 || s.RetainHandling > 2 {
			return &Error{Packet: SUBSCRIBE, Field: fmt.Sprintf("subscription options %d", i+1), Code: ProtocolError, Err: errSubOptions}
		}
		if v < V5 && (s.NoLocal || s.RetainAsPublished || s.RetainHandling != 0) {
			return &Error{Packet: SUBSCRIBE, Field: fmt.Sprintf("subscription options %d", i+1), Code: ProtocolError, Err: errV5Only}
		}
		if s.NoLocal && strings.HasPrefix(s.Filter, sharePrefix) {
			return &Error{Packet: SUBSCRIBE, Field: fmt.Sprintf("subscription options %d", i+1), Code: ProtocolError, Err: errNoLocalShared}
		}
	}
	_, rl := p.lengths(v)
	return checkSize(SUBSCRIBE, rl)
}

func (p *Subscribe) lengths(v Version) (ps, rl int) {
	rl = 2
	if v >= V5 {
		ps = p.Properties.size()
		rl += varIntLen(ps) + ps
	}
	for i := range p.Subscriptions {
		rl += 3 + len(p.Subscriptions[i].Filter)
	}
	return ps, rl
}

// options is the Subscription Options byte (section 3.8.3.1).
func (s *Subscription) options(v Version) byte {
	o := byte(s.QoS & 3)
	if v >= V5 {
		if s.NoLocal {
			o |= 0x04
		}
		if s.RetainAsPublished {
			o |= 0x08
		}
		o |= (s.RetainHandling & 3) << 4
	}
	return o
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Subscribe) AppendTo(dst []byte, v Version) []byte {
	ps, rl := p.lengths(v)
	dst = appendFixedHeader(dst, SUBSCRIBE, 0x02, rl)
	dst = appendUint16(dst, p.PacketID)
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	for i := range p.Subscriptions {
		s := &p.Subscriptions[i]
		dst = append(appendString(dst, s.Filter), s.options(v))
	}
	return dst
}

// Decode decodes a SUBSCRIBE body of version v into p. It fails on
// malformed structure and options but not on a topic filter that is valid
// UTF-8 yet semantically invalid: a v5 server answers that one filter
// with SUBACK 0x8F, so the caller checks each filter with
// ValidateTopicFilter.
func (p *Subscribe) Decode(flags byte, body []byte, v Version) error {
	*p = Subscribe{}
	if err := checkFlags(SUBSCRIBE, flags, v); err != nil {
		return err // [MQTT-3.8.1-1]
	}
	d := decoder{b: body, pt: SUBSCRIBE}
	var err error
	if p.PacketID, err = d.packetID(); err != nil {
		return err
	}
	if v >= V5 {
		// A second Subscription Identifier is a duplicate property (0x82).
		if err := d.decodeProps(&p.Properties, propsSubscribe); err != nil {
			return err
		}
	}
	if len(d.b) == 0 {
		return d.fail("payload", ProtocolError, errNoSubscriptions) // [MQTT-3.8.3-2] (v5), [MQTT-3.8.3-3] (v3.1.1)
	}
	for len(d.b) > 0 {
		f, err := d.string("topic filter")
		if err != nil {
			return err
		}
		o, err := d.byte1("subscription options")
		if err != nil {
			return err
		}
		s := Subscription{Filter: f, QoS: QoS(o & 3)}
		if v >= V5 {
			if o&0xC0 != 0 {
				return d.fail("subscription options", MalformedPacket, errReserved) // [MQTT-3.8.3-5]
			}
			// Section 3.8.3.1: QoS 3 and Retain Handling 3 are protocol errors.
			if s.QoS == 3 || o&0x30 == 0x30 {
				return d.fail("subscription options", ProtocolError, errSubOptions)
			}
			s.NoLocal = o&0x04 != 0
			s.RetainAsPublished = o&0x08 != 0
			s.RetainHandling = o >> 4 & 3
			if s.NoLocal && strings.HasPrefix(f, sharePrefix) {
				return d.fail("subscription options", ProtocolError, errNoLocalShared) // [MQTT-3.8.3-4] (v5)
			}
		} else if o&0xFC != 0 || s.QoS == 3 {
			return d.fail("subscription options", MalformedPacket, errSubOptions) // [MQTT-3-8.3-4] (v3.1.1)
		}
		p.Subscriptions = append(p.Subscriptions, s)
	}
	return nil
}
