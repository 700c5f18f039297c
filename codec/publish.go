// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "errors"

// Publish is the PUBLISH packet (section 3.3), which carries an application
// message in either direction.
type Publish struct {
	// Dup is set when this may be a re-delivery of an earlier attempt.
	Dup bool
	// QoS is the quality of service level: 0, 1 or 2.
	QoS QoS
	// Retain asks the server to keep the message for future subscribers.
	Retain bool
	// Topic is the topic name; in v5 it may be empty when TopicAlias is set.
	Topic string
	// PacketID is present only when QoS > 0 and must then be non-zero.
	PacketID uint16
	// Properties are the PUBLISH properties (v5).
	Properties Properties
	// Payload is the application message; it aliases the decoded frame.
	Payload []byte
}

var (
	errDupQoS0      = errors.New("DUP flag set on a QoS 0 message")
	errWildcard     = errors.New("wildcard character in topic name")
	errEmptyTopic   = errors.New("empty topic name")
	errEmptyNoAlias = errors.New("empty topic name without topic alias")
)

// Type returns PUBLISH.
func (p *Publish) Type() Type { return PUBLISH }

// Validate reports whether p may be sent at version v: QoS 0..2, no DUP at
// QoS 0 [MQTT-3.3.1-2], a non-zero packet identifier at QoS 1 and 2
// [MQTT-2.2.1-3], a valid topic name [MQTT-3.3.2-2] (in v5 it may be empty
// only with a Topic Alias) and properties PUBLISH may carry.
func (p *Publish) Validate(v Version) error {
	if err := checkVersion(PUBLISH, v); err != nil {
		return err
	}
	if p.QoS > 2 {
		return &Error{Packet: PUBLISH, Field: "QoS", Code: MalformedPacket, Err: errQoS3}
	}
	if p.Dup && p.QoS == 0 {
		return &Error{Packet: PUBLISH, Field: "DUP", Code: ProtocolError, Err: errDupQoS0}
	}
	if p.QoS > 0 && p.PacketID == 0 {
		return &Error{Packet: PUBLISH, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if p.Topic == "" {
		if v < V5 {
			return &Error{Packet: PUBLISH, Field: "topic name", Code: TopicNameInvalid, Err: errEmptyTopic}
		}
		if p.Properties.TopicAlias == nil {
			return &Error{Packet: PUBLISH, Field: "topic name", Code: ProtocolError, Err: errEmptyNoAlias}
		}
	} else if err := ValidateTopicName(p.Topic); err != nil {
		return &Error{Packet: PUBLISH, Field: "topic name", Code: TopicNameInvalid, Err: err}
	}
	if err := p.Properties.validate(PUBLISH, v, propsPublish); err != nil {
		return err
	}
	_, rl := p.lengths(v)
	return checkSize(PUBLISH, rl)
}

// lengths returns the property size and the Remaining Length.
func (p *Publish) lengths(v Version) (ps, rl int) {
	rl = 2 + len(p.Topic) + len(p.Payload)
	if p.QoS > 0 {
		rl += 2
	}
	if v >= V5 {
		ps = p.Properties.size()
		rl += varIntLen(ps) + ps
	}
	return ps, rl
}

// AppendHeader appends everything of p except the payload: the fixed
// header, whose Remaining Length counts len(p.Payload), the topic name, the
// packet identifier and the properties. idOffset is the offset in out of
// the two-byte packet identifier, or -1 at QoS 0, so that a server can
// encode a message once and patch the identifier for each subscriber.
// Like AppendTo it does not validate p.
func (p *Publish) AppendHeader(dst []byte, v Version) (out []byte, idOffset int) {
	ps, rl := p.lengths(v)
	flags := byte(p.QoS&3) << 1
	if p.Dup {
		flags |= 0x08
	}
	if p.Retain {
		flags |= 0x01
	}
	dst = appendFixedHeader(dst, PUBLISH, flags, rl)
	dst = appendString(dst, p.Topic)
	idOffset = -1
	if p.QoS > 0 {
		idOffset = len(dst)
		dst = appendUint16(dst, p.PacketID)
	}
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	return dst, idOffset
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Publish) AppendTo(dst []byte, v Version) []byte {
	dst, _ = p.AppendHeader(dst, v)
	return append(dst, p.Payload...)
}

// Decode decodes a PUBLISH body of version v with fixed header flags flags
// into p, overwriting every field. Payload and CorrelationData alias body;
// the topic is copied.
func (p *Publish) Decode(flags byte, body []byte, v Version) error {
	*p = Publish{Dup: flags&0x08 != 0, QoS: QoS(flags >> 1 & 3), Retain: flags&0x01 != 0}
	if p.QoS == 3 {
		return &Error{Packet: PUBLISH, Field: "QoS", Code: MalformedPacket, Err: errQoS3} // [MQTT-3.3.1-4]
	}
	if p.Dup && p.QoS == 0 {
		// It parses: a protocol error, not a malformed packet (section
		// 1.2), as EMQX's interoperability suite expects.
		return &Error{Packet: PUBLISH, Field: "DUP", Code: ProtocolError, Err: errDupQoS0} // [MQTT-3.3.1-2]
	}
	if len(body) < 2 {
		return &Error{Packet: PUBLISH, Field: "topic name", Code: MalformedPacket, Err: errShort}
	}
	n := int(body[0])<<8 | int(body[1])
	if len(body) < 2+n {
		return &Error{Packet: PUBLISH, Field: "topic name", Code: MalformedPacket, Err: errShort}
	}
	topic := body[2 : 2+n]
	switch checkTopicName(topic) {
	case topicBadUTF8:
		return &Error{Packet: PUBLISH, Field: "topic name", Code: MalformedPacket, Err: errBadUTF8} // [MQTT-1.5.4-1] [MQTT-1.5.4-2]
	case topicWildcard:
		return &Error{Packet: PUBLISH, Field: "topic name", Code: TopicNameInvalid, Err: errWildcard} // [MQTT-3.3.2-2]
	}
	i := 2 + n
	if p.QoS > 0 {
		if len(body) < i+2 {
			return &Error{Packet: PUBLISH, Field: "packet identifier", Code: MalformedPacket, Err: errShort}
		}
		p.PacketID = uint16(body[i])<<8 | uint16(body[i+1])
		if p.PacketID == 0 {
			return &Error{Packet: PUBLISH, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID} // [MQTT-2.2.1-3]
		}
		i += 2
	}
	if v >= V5 {
		d := decoder{b: body[i:], pt: PUBLISH}
		if len(d.b) > 0 && d.b[0] == 0 {
			d.b = d.b[1:] // no properties: the common case
		} else if err := d.decodeProps(&p.Properties, propsPublish); err != nil {
			return err
		}
		i = len(body) - len(d.b)
	}
	if n == 0 {
		if v < V5 {
			return &Error{Packet: PUBLISH, Field: "topic name", Code: TopicNameInvalid, Err: errEmptyTopic} // [MQTT-4.7.3-1]
		}
		if p.Properties.TopicAlias == nil {
			return &Error{Packet: PUBLISH, Field: "topic name", Code: ProtocolError, Err: errEmptyNoAlias}
		}
	} else {
		p.Topic = string(topic)
	}
	p.Payload = body[i:]
	return nil
}

// Clone returns a deep copy of p; its payload, properties and topic share
// no memory with p or with the frame p was decoded from.
func (p *Publish) Clone() *Publish {
	c := *p
	c.Properties = p.Properties.Clone()
	c.Payload = cloneBytes(p.Payload)
	return &c
}
