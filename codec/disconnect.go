// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Disconnect is the DISCONNECT packet (section 3.14). In v3 it has no
// variable header and only a client sends it.
type Disconnect struct {
	// ReasonCode is v5 only.
	ReasonCode ReasonCode
	Properties Properties
}

// Type returns DISCONNECT.
func (p *Disconnect) Type() Type { return DISCONNECT }

// Validate reports whether p may be sent at version v: before v5 it must
// be empty; at v5 the reason code must be one DISCONNECT allows.
func (p *Disconnect) Validate(v Version) error {
	if err := checkVersion(DISCONNECT, v); err != nil {
		return err
	}
	if v < V5 && p.ReasonCode != 0 {
		return &Error{Packet: DISCONNECT, Field: "reason code", Code: ProtocolError, Err: errV5Only}
	}
	if !disconnectCodes.has(p.ReasonCode) {
		return badReasonCode(DISCONNECT)
	}
	if err := p.Properties.validate(DISCONNECT, v, propsDisconnect); err != nil {
		return err
	}
	return checkSize(DISCONNECT, 1+varIntLen(p.Properties.size())+p.Properties.size())
}

// AppendTo appends the encoding of p for version v to dst; at v5 the
// reason code and properties are omitted when they may be.
func (p *Disconnect) AppendTo(dst []byte, v Version) []byte {
	return appendReasonOnly(dst, DISCONNECT, v, p.ReasonCode, &p.Properties)
}

// Decode decodes a DISCONNECT body of version v into p.
func (p *Disconnect) Decode(flags byte, body []byte, v Version) error {
	*p = Disconnect{}
	if v < V5 {
		return decodeEmpty(DISCONNECT, flags, body)
	}
	return decodeReasonOnly(DISCONNECT, flags, body, &p.ReasonCode, &p.Properties, &disconnectCodes, propsDisconnect, true)
}

// appendReasonOnly encodes DISCONNECT and AUTH: an optional reason code
// and optional properties (sections 3.14.2 and 3.15.2).
func appendReasonOnly(dst []byte, pt Type, v Version, rc ReasonCode, props *Properties) []byte {
	if v < V5 {
		return append(dst, byte(pt)<<4, 0)
	}
	ps := props.size()
	switch {
	case ps == 0 && rc == 0:
		return append(dst, byte(pt)<<4, 0)
	case ps == 0 && pt == DISCONNECT:
		return append(dst, byte(pt)<<4, 1, byte(rc))
	}
	dst = appendFixedHeader(dst, pt, 0, 1+varIntLen(ps)+ps)
	return props.appendProps(append(dst, byte(rc)), ps)
}

// decodeReasonOnly decodes DISCONNECT and AUTH bodies. A Remaining Length
// of 0 means success without properties; codeOnly allows a body of just a
// reason code (DISCONNECT).
func decodeReasonOnly(pt Type, flags byte, body []byte, rc *ReasonCode, props *Properties, codes *codeSet, allowed propSet, codeOnly bool) error {
	if err := checkFlags(pt, flags, anyVersion); err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	d := decoder{b: body, pt: pt}
	c, _ := d.byte1("reason code")
	*rc = ReasonCode(c)
	if !codes.has(*rc) {
		return badReasonCode(pt)
	}
	if len(d.b) == 0 && codeOnly {
		return nil
	}
	if err := d.decodeProps(props, allowed); err != nil {
		return err
	}
	return d.end("properties")
}
