// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Pingreq is the PINGREQ packet (section 3.12).
type Pingreq struct{}

// Pingresp is the PINGRESP packet (section 3.13).
type Pingresp struct{}

// Type returns PINGREQ.
func (p *Pingreq) Type() Type { return PINGREQ }

// Validate reports whether p may be sent at version v.
func (p *Pingreq) Validate(v Version) error { return checkVersion(PINGREQ, v) }

// AppendTo appends the two bytes of a PINGREQ to dst.
func (p *Pingreq) AppendTo(dst []byte, _ Version) []byte {
	return append(dst, byte(PINGREQ)<<4, 0)
}

// Decode checks that a PINGREQ has no body and reserved flags 0.
func (p *Pingreq) Decode(flags byte, body []byte, _ Version) error {
	return decodeEmpty(PINGREQ, flags, body)
}

// Type returns PINGRESP.
func (p *Pingresp) Type() Type { return PINGRESP }

// Validate reports whether p may be sent at version v.
func (p *Pingresp) Validate(v Version) error { return checkVersion(PINGRESP, v) }

// AppendTo appends the two bytes of a PINGRESP to dst.
func (p *Pingresp) AppendTo(dst []byte, _ Version) []byte {
	return append(dst, byte(PINGRESP)<<4, 0)
}

// Decode checks that a PINGRESP has no body and reserved flags 0.
func (p *Pingresp) Decode(flags byte, body []byte, _ Version) error {
	return decodeEmpty(PINGRESP, flags, body)
}

func decodeEmpty(pt Type, flags byte, body []byte) error {
	if err := checkFlags(pt, flags, anyVersion); err != nil {
		return err
	}
	if len(body) != 0 {
		return &Error{Packet: pt, Field: "remaining length", Code: MalformedPacket, Err: errTrailing}
	}
	return nil
}
