// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "errors"

// Connack is the CONNACK packet (section 3.2) the server sends in reply to
// CONNECT.
type Connack struct {
	// SessionPresent tells the client whether the server holds its session.
	SessionPresent bool
	// ReasonCode is the v5 Connect Reason Code; for v3 it holds the v3
	// return code (ConnackV3Accepted ... ConnackV3NotAuthorized).
	ReasonCode ReasonCode
	// Properties are the CONNACK properties (v5).
	Properties Properties
}

// The CONNACK return codes of MQTT v3.1 and v3.1.1.
const (
	ConnackV3Accepted                    ReasonCode = 0x00
	ConnackV3UnacceptableProtocolVersion ReasonCode = 0x01
	ConnackV3IdentifierRejected          ReasonCode = 0x02
	ConnackV3ServerUnavailable           ReasonCode = 0x03
	ConnackV3BadUsernameOrPassword       ReasonCode = 0x04
	ConnackV3NotAuthorized               ReasonCode = 0x05
)

var errSessionPresent = errors.New("session present set with a failure reason code")

// ConnackCodeV3 maps a v5 Connect Reason Code to the nearest v3 CONNACK
// return code, for a server answering a v3 client.
func ConnackCodeV3(rc ReasonCode) ReasonCode {
	switch rc {
	case Success:
		return ConnackV3Accepted
	case UnsupportedProtocolVersion:
		return ConnackV3UnacceptableProtocolVersion
	case ClientIdentifierNotValid:
		return ConnackV3IdentifierRejected
	case BadUsernameOrPassword:
		return ConnackV3BadUsernameOrPassword
	case NotAuthorized, BadAuthenticationMethod:
		return ConnackV3NotAuthorized
	default:
		return ConnackV3ServerUnavailable
	}
}

// Type returns CONNACK.
func (p *Connack) Type() Type { return CONNACK }

// Validate reports whether p may be sent at version v: the reason code
// must be one CONNACK allows at that version (for v3 a return code 0..5),
// and Session Present must be 0 with a failure code [MQTT-3.2.2-6] (v5),
// [MQTT-3.2.2-4] (v3.1.1).
func (p *Connack) Validate(v Version) error {
	if err := checkVersion(CONNACK, v); err != nil {
		return err
	}
	codes := &connackCodesV5
	if v < V5 {
		codes = &connackCodesV3
	}
	if !codes.has(p.ReasonCode) {
		return badReasonCode(CONNACK)
	}
	if p.SessionPresent && p.ReasonCode != 0 {
		return &Error{Packet: CONNACK, Field: "session present", Code: ProtocolError, Err: errSessionPresent}
	}
	if err := p.Properties.validate(CONNACK, v, propsConnack); err != nil {
		return err
	}
	return checkSize(CONNACK, p.bodyLen(v, p.Properties.size()))
}

func (p *Connack) bodyLen(v Version, ps int) int {
	if v >= V5 {
		return 2 + varIntLen(ps) + ps
	}
	return 2
}

// AppendTo appends the encoding of p for version v to dst.
func (p *Connack) AppendTo(dst []byte, v Version) []byte {
	ps := 0
	if v >= V5 {
		ps = p.Properties.size()
	}
	dst = appendFixedHeader(dst, CONNACK, 0, p.bodyLen(v, ps))
	var flags byte
	if p.SessionPresent && v > V31 {
		// MQTT 3.1 has no Session Present flag: its first byte is
		// reserved and always 0.
		flags = 1
	}
	dst = append(dst, flags, byte(p.ReasonCode))
	if v >= V5 {
		dst = p.Properties.appendProps(dst, ps)
	}
	return dst
}

// Decode decodes a CONNACK body of version v into p.
func (p *Connack) Decode(flags byte, body []byte, v Version) error {
	*p = Connack{}
	if err := checkFlags(CONNACK, flags, v); err != nil {
		return err
	}
	d := decoder{b: body, pt: CONNACK}
	af, err := d.byte1("acknowledge flags")
	if err != nil {
		return err
	}
	if v == V31 {
		// MQTT 3.1 reserves the whole byte ("not used"); it says
		// nothing of a session.
		af = 0
	}
	if af&0xFE != 0 {
		return d.fail("acknowledge flags", MalformedPacket, errReserved) // [MQTT-3.2.2-1] (v3.1.1)
	}
	p.SessionPresent = af == 1
	rc, err := d.byte1("reason code")
	if err != nil {
		return err
	}
	p.ReasonCode = ReasonCode(rc)
	codes := &connackCodesV5
	if v < V5 {
		codes = &connackCodesV3
	}
	if !codes.has(p.ReasonCode) {
		return badReasonCode(CONNACK)
	}
	if p.SessionPresent && p.ReasonCode != 0 {
		return d.fail("session present", ProtocolError, errSessionPresent)
	}
	if v >= V5 {
		if err := d.decodeProps(&p.Properties, propsConnack); err != nil {
			return err
		}
	}
	return d.end("properties")
}
