// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "errors"

// Connect is the CONNECT packet (section 3.1), the first packet a client
// sends on a network connection.
type Connect struct {
	// ProtocolName is "MQTT" for v3.1.1 and v5, "MQIsdp" for v3.1.
	ProtocolName string
	// ProtocolVersion is the protocol level: 3, 4 or 5.
	ProtocolVersion Version
	// CleanStart is the Clean Start flag (v5) or Clean Session flag (v3).
	CleanStart bool
	// KeepAlive is the maximum interval in seconds between control packets.
	KeepAlive uint16
	// Properties are the CONNECT properties (v5).
	Properties Properties
	// ClientID is the client identifier; it may be empty.
	ClientID string
	// Will is the will message, or nil when the Will Flag is 0.
	Will *Will
	// Username is nil when the User Name Flag is 0.
	Username *string
	// Password is nil when the Password Flag is 0.
	Password []byte
}

// Will is the will message of a CONNECT packet.
type Will struct {
	QoS    QoS
	Retain bool
	// Properties are the will properties (v5).
	Properties Properties
	Topic      string
	Payload    []byte
}

var (
	errWillFlags    = errors.New("will QoS or will retain set without will flag")
	errPasswordOnly = errors.New("password flag set without user name flag")
	errAuthData     = errors.New("authentication data without authentication method")
	errVersionField = errors.New("packet version differs from encoding version")
)

// Flags of the CONNECT variable header (section 3.1.2.3).
const (
	connectUsername   = 0x80
	connectPassword   = 0x40
	connectWillRetain = 0x20
	connectWillQoS    = 0x18
	connectWill       = 0x04
	connectClean      = 0x02
	connectReserved   = 0x01
)

// protocolName is the protocol name that goes with a protocol level.
func protocolName(v Version) string {
	if v == V31 {
		return "MQIsdp"
	}
	return "MQTT"
}

// Type returns CONNECT.
func (p *Connect) Type() Type { return CONNECT }

// level is the protocol level written on the wire.
func (p *Connect) level(v Version) Version {
	if p.ProtocolVersion != 0 {
		return p.ProtocolVersion
	}
	return v
}

// Validate reports whether p may be sent at version v. ProtocolVersion and
// ProtocolName may be left empty; when set they must match v.
func (p *Connect) Validate(v Version) error {
	if err := checkVersion(CONNECT, v); err != nil {
		return err
	}
	if p.ProtocolVersion != 0 && p.ProtocolVersion != v {
		return &Error{Packet: CONNECT, Field: "protocol level", Code: UnsupportedProtocolVersion, Err: errVersionField}
	}
	if p.ProtocolName != "" && p.ProtocolName != protocolName(v) {
		return &Error{Packet: CONNECT, Field: "protocol name", Code: UnsupportedProtocolVersion, Err: ErrProtocolName}
	}
	if err := p.Properties.validate(CONNECT, v, propsConnect); err != nil {
		return err
	}
	if p.Properties.AuthData != nil && p.Properties.AuthMethod == nil {
		return &Error{Packet: CONNECT, Field: propField(PropAuthData), Code: ProtocolError, Err: errAuthData}
	}
	if err := validateString(CONNECT, "client identifier", p.ClientID); err != nil {
		return err
	}
	if w := p.Will; w != nil {
		if w.QoS > 2 {
			return &Error{Packet: CONNECT, Field: "will QoS", Code: MalformedPacket, Err: errQoS3} // [MQTT-3.1.2-12]
		}
		if err := w.Properties.validate(CONNECT, v, propsWill); err != nil {
			return err
		}
		if err := ValidateTopicName(w.Topic); err != nil {
			return &Error{Packet: CONNECT, Field: "will topic", Code: TopicNameInvalid, Err: err}
		}
		if err := validateBinary(CONNECT, "will payload", w.Payload); err != nil {
			return err
		}
	}
	if p.Username != nil {
		if err := validateString(CONNECT, "user name", *p.Username); err != nil {
			return err
		}
	}
	if p.Password != nil {
		if p.Username == nil && v < V5 {
			return &Error{Packet: CONNECT, Field: "password", Code: MalformedPacket, Err: errPasswordOnly} // [MQTT-3.1.2-22]
		}
		if err := validateBinary(CONNECT, "password", p.Password); err != nil {
			return err
		}
	}
	return checkSize(CONNECT, p.bodyLen(v, 0, 0))
}

// bodyLen is the Remaining Length; ps and ws are the property sizes.
func (p *Connect) bodyLen(v Version, ps, ws int) int {
	name := p.ProtocolName
	if name == "" {
		name = protocolName(p.level(v))
	}
	n := 2 + len(name) + 4 + 2 + len(p.ClientID)
	if v >= V5 {
		n += varIntLen(ps) + ps
	}
	if p.Will != nil {
		n += 4 + len(p.Will.Topic) + len(p.Will.Payload)
		if v >= V5 {
			n += varIntLen(ws) + ws
		}
	}
	if p.Username != nil {
		n += 2 + len(*p.Username)
	}
	if p.Password != nil {
		n += 2 + len(p.Password)
	}
	return n
}

// AppendTo appends the encoding of p for version v to dst. An empty
// ProtocolName or zero ProtocolVersion is filled in from v.
func (p *Connect) AppendTo(dst []byte, v Version) []byte {
	var ps, ws int
	if v >= V5 {
		ps = p.Properties.size()
		if p.Will != nil {
			ws = p.Will.Properties.size()
		}
	}
	dst = appendFixedHeader(dst, CONNECT, 0, p.bodyLen(v, ps, ws))
	level := p.level(v)
	name := p.ProtocolName
	if name == "" {
		name = protocolName(level)
	}
	dst = appendString(dst, name)
	var flags byte
	if p.Username != nil {
		flags |= connectUsername
	}
	if p.Password != nil {
		flags |= connectPassword
	}
	if p.Will != nil {
		flags |= connectWill | byte(p.Will.QoS&3)<<3
		if p.Will.Retain {
			flags |= connectWillRetain
		}
	}
	if p.CleanStart {
		flags |= connectClean
	}
	dst = append(dst, byte(level), flags)
	dst = appendUint16(dst, p.KeepAlive)
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	dst = appendString(dst, p.ClientID)
	if p.Will != nil {
		if v >= V5 {
			dst = p.Will.Properties.appendProps(dst, ws)
		}
		dst = appendString(dst, p.Will.Topic)
		dst = appendBinary(dst, p.Will.Payload)
	}
	if p.Username != nil {
		dst = appendString(dst, *p.Username)
	}
	if p.Password != nil {
		dst = appendBinary(dst, p.Password)
	}
	return dst
}

// Decode decodes a CONNECT body into p. v is ignored: the packet's own
// protocol level decides its format. p.ProtocolVersion is set as soon as
// it has been read, so that a server can answer a later failure with a
// CONNACK of the client's version; an unknown level or a protocol name
// that does not match it fails with UnsupportedProtocolVersion (0x84).
func (p *Connect) Decode(flags byte, body []byte, _ Version) error {
	*p = Connect{}
	if err := checkFlags(CONNECT, flags, anyVersion); err != nil {
		return err
	}
	d := decoder{b: body, pt: CONNECT}
	name, err := d.binary("protocol name")
	if err != nil {
		return err
	}
	level, err := d.byte1("protocol level")
	if err != nil {
		return err
	}
	v := Version(level)
	p.ProtocolVersion = v
	if v < V31 || v > V5 {
		return d.fail("protocol level", UnsupportedProtocolVersion, errBadVersion)
	}
	if string(name) != protocolName(v) {
		return d.fail("protocol name", UnsupportedProtocolVersion, ErrProtocolName)
	}
	p.ProtocolName = protocolName(v)
	cf, err := d.byte1("connect flags")
	if err != nil {
		return err
	}
	if cf&connectReserved != 0 {
		return d.fail("connect flags", MalformedPacket, errReserved) // [MQTT-3.1.2-3]
	}
	willQoS := QoS(cf & connectWillQoS >> 3)
	if willQoS == 3 {
		return d.fail("will QoS", MalformedPacket, errQoS3) // [MQTT-3.1.2-12] (v5), [MQTT-3.1.2-14] (v3.1.1)
	}
	if cf&connectWill == 0 && cf&(connectWillQoS|connectWillRetain) != 0 {
		// [MQTT-3.1.2-11] [MQTT-3.1.2-13] (v5); [MQTT-3.1.2-13] [MQTT-3.1.2-15] (v3.1.1)
		return d.fail("connect flags", MalformedPacket, errWillFlags)
	}
	if v < V5 && cf&connectPassword != 0 && cf&connectUsername == 0 {
		return d.fail("connect flags", MalformedPacket, errPasswordOnly) // [MQTT-3.1.2-22] (v3.1.1)
	}
	p.CleanStart = cf&connectClean != 0
	if p.KeepAlive, err = d.uint16("keep alive"); err != nil {
		return err
	}
	if v >= V5 {
		if err := d.decodeProps(&p.Properties, propsConnect); err != nil {
			return err
		}
		if p.Properties.AuthData != nil && p.Properties.AuthMethod == nil {
			return d.fail(propField(PropAuthData), ProtocolError, errAuthData)
		}
	}
	if p.ClientID, err = d.string("client identifier"); err != nil {
		return err
	}
	if cf&connectWill != 0 {
		w := &Will{QoS: willQoS, Retain: cf&connectWillRetain != 0}
		if v >= V5 {
			if err := d.decodeProps(&w.Properties, propsWill); err != nil {
				return err
			}
		}
		if w.Topic, err = d.string("will topic"); err != nil {
			return err
		}
		if err := ValidateTopicName(w.Topic); err != nil {
			return d.fail("will topic", TopicNameInvalid, err)
		}
		if w.Payload, err = d.binary("will payload"); err != nil {
			return err
		}
		p.Will = w
	}
	if cf&connectUsername != 0 {
		u, err := d.string("user name")
		if err != nil {
			return err
		}
		p.Username = &u
	}
	if cf&connectPassword != 0 {
		if p.Password, err = d.binary("password"); err != nil {
			return err
		}
	}
	return d.end("payload")
}
