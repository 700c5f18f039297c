// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout (sections 3.4 to
// 3.7): a packet identifier and, in v5 only, a reason code and properties
// that may be omitted when the code is 0x00 and there are no properties.

func validateAck(pt Type, v Version, id uint16, rc ReasonCode, props *Properties, codes *codeSet) error {
	if err := checkVersion(pt, v); err != nil {
		return err
	}
	if id == 0 {
		return &Error{Packet: pt, Field: "packet identifier", Code: MalformedPacket, Err: errZeroPacketID}
	}
	if v < V5 && rc != 0 {
		return &Error{Packet: pt, Field: "reason code", Code: ProtocolError, Err: errV5Only}
	}
	if !codes.has(rc) {
		return badReasonCode(pt)
	}
	return props.validate(pt, v, propsAck)
}

func appendAck(dst []byte, pt Type, flags byte, v Version, id uint16, rc ReasonCode, props *Properties) []byte {
	if v < V5 {
		return appendUint16(append(dst, byte(pt)<<4|flags, 2), id)
	}
	ps := props.size()
	switch {
	case ps == 0 && rc == 0:
		return appendUint16(append(dst, byte(pt)<<4|flags, 2), id)
	case ps == 0:
		return append(appendUint16(append(dst, byte(pt)<<4|flags, 3), id), byte(rc))
	}
	dst = appendFixedHeader(dst, pt, flags, 3+varIntLen(ps)+ps)
	dst = append(appendUint16(dst, id), byte(rc))
	return props.appendProps(dst, ps)
}

func decodeAck(pt Type, flags byte, body []byte, v Version, id *uint16, rc *ReasonCode, props *Properties, codes *codeSet) error {
	if err := checkFlags(pt, flags, v); err != nil {
		return err
	}
	d := decoder{b: body, pt: pt}
	var err error
	if *id, err = d.packetID(); err != nil {
		return err
	}
	if v < V5 || len(d.b) == 0 {
		return d.end("packet identifier")
	}
	c, _ := d.byte1("reason code")
	*rc = ReasonCode(c)
	if !codes.has(*rc) {
		return badReasonCode(pt)
	}
	if len(d.b) == 0 {
		return nil
	}
	if err := d.decodeProps(props, propsAck); err != nil {
		return err
	}
	return d.end("properties")
}
