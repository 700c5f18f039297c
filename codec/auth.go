// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Auth is the AUTH packet (section 3.15) of the v5 enhanced authentication
// exchange.
type Auth struct {
	// ReasonCode is 0x00 success, 0x18 continue authentication or 0x19
	// re-authenticate.
	ReasonCode ReasonCode
	Properties Properties
}

// Type returns AUTH.
func (p *Auth) Type() Type { return AUTH }

// Validate reports whether p may be sent at version v: only at v5, with a
// reason code of 0x00, 0x18 or 0x19.
func (p *Auth) Validate(v Version) error {
	if v != V5 {
		return &Error{Packet: AUTH, Field: "packet type", Code: ProtocolError, Err: errAuthV3}
	}
	if !authCodes.has(p.ReasonCode) {
		return badReasonCode(AUTH)
	}
	if err := p.Properties.validate(AUTH, v, propsAuth); err != nil {
		return err
	}
	return checkSize(AUTH, 1+varIntLen(p.Properties.size())+p.Properties.size())
}

// AppendTo appends the encoding of p to dst; a success code without
// properties is encoded with a Remaining Length of 0. v is not consulted:
// AUTH only exists in v5.
func (p *Auth) AppendTo(dst []byte, _ Version) []byte {
	return appendReasonOnly(dst, AUTH, V5, p.ReasonCode, &p.Properties)
}

// Decode decodes an AUTH body into p. Before v5 AUTH is a protocol error
// (0x82).
func (p *Auth) Decode(flags byte, body []byte, v Version) error {
	*p = Auth{}
	if v < V5 {
		return &Error{Packet: AUTH, Field: "packet type", Code: ProtocolError, Err: errAuthV3}
	}
	return decodeReasonOnly(AUTH, flags, body, &p.ReasonCode, &p.Properties, &authCodes, propsAuth, false)
}
