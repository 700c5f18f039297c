// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"fmt"
)

// propSet is a bit set of property identifiers (all ids are below 64).
type propSet uint64

func bit(id PropertyID) propSet { return 1 << id }

// userOnly is the set of properties every v5 packet with properties may carry.
const userOnly = propSet(1) << PropUser

// Which properties each packet may carry (section 2.2.2.2, table of
// properties).
var (
	propsConnect = userOnly | bit(PropSessionExpiry) | bit(PropAuthMethod) | bit(PropAuthData) |
		bit(PropRequestProblemInfo) | bit(PropRequestResponseInfo) | bit(PropReceiveMaximum) |
		bit(PropTopicAliasMaximum) | bit(PropMaximumPacketSize)
	propsWill = userOnly | bit(PropPayloadFormat) | bit(PropMessageExpiry) | bit(PropContentType) |
		bit(PropResponseTopic) | bit(PropCorrelationData) | bit(PropWillDelay)
	propsConnack = userOnly | bit(PropSessionExpiry) | bit(PropAssignedClientID) | bit(PropServerKeepAlive) |
		bit(PropAuthMethod) | bit(PropAuthData) | bit(PropResponseInfo) | bit(PropServerReference) |
		bit(PropReasonString) | bit(PropReceiveMaximum) | bit(PropTopicAliasMaximum) | bit(PropMaximumQoS) |
		bit(PropRetainAvailable) | bit(PropMaximumPacketSize) | bit(PropWildcardSubAvailable) |
		bit(PropSubIDAvailable) | bit(PropSharedSubAvailable)
	propsPublish = userOnly | bit(PropPayloadFormat) | bit(PropMessageExpiry) | bit(PropContentType) |
		bit(PropResponseTopic) | bit(PropCorrelationData) | bit(PropSubscriptionID) | bit(PropTopicAlias)
	propsAck         = userOnly | bit(PropReasonString) // PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK
	propsSubscribe   = userOnly | bit(PropSubscriptionID)
	propsUnsubscribe = userOnly
	propsDisconnect  = userOnly | bit(PropSessionExpiry) | bit(PropServerReference) | bit(PropReasonString)
	propsAuth        = userOnly | bit(PropAuthMethod) | bit(PropAuthData) | bit(PropReasonString)
)

var (
	errPropNotAllowed = errors.New("property not allowed in this packet")
	errPropDuplicate  = errors.New("property included more than once")
	errPropUnknown    = errors.New("unknown property identifier")
	errPropValue      = errors.New("invalid property value")
	errPropsLength    = errors.New("property length exceeds remaining length")
	errPropsV3        = errors.New("properties are only defined in MQTT v5")
)

// propStore backs the optional scalar and string properties of one decoded
// packet, so that decoding costs one allocation however many are present.
type propStore struct {
	b   [8]byte
	u16 [4]uint16
	u32 [4]uint32
	s   [7]string
}

// Clone returns a deep copy of p: no pointer or slice of the copy is
// shared with p.
func (p *Properties) Clone() Properties {
	c := Properties{
		PayloadFormat:        clonePtr(p.PayloadFormat),
		MessageExpiry:        clonePtr(p.MessageExpiry),
		ContentType:          clonePtr(p.ContentType),
		ResponseTopic:        clonePtr(p.ResponseTopic),
		CorrelationData:      cloneBytes(p.CorrelationData),
		SessionExpiry:        clonePtr(p.SessionExpiry),
		AssignedClientID:     clonePtr(p.AssignedClientID),
		ServerKeepAlive:      clonePtr(p.ServerKeepAlive),
		AuthMethod:           clonePtr(p.AuthMethod),
		AuthData:             cloneBytes(p.AuthData),
		RequestProblemInfo:   clonePtr(p.RequestProblemInfo),
		WillDelay:            clonePtr(p.WillDelay),
		RequestResponseInfo:  clonePtr(p.RequestResponseInfo),
		ResponseInfo:         clonePtr(p.ResponseInfo),
		ServerReference:      clonePtr(p.ServerReference),
		ReasonString:         clonePtr(p.ReasonString),
		ReceiveMaximum:       clonePtr(p.ReceiveMaximum),
		TopicAliasMaximum:    clonePtr(p.TopicAliasMaximum),
		TopicAlias:           clonePtr(p.TopicAlias),
		MaximumQoS:           clonePtr(p.MaximumQoS),
		RetainAvailable:      clonePtr(p.RetainAvailable),
		MaximumPacketSize:    clonePtr(p.MaximumPacketSize),
		WildcardSubAvailable: clonePtr(p.WildcardSubAvailable),
		SubIDAvailable:       clonePtr(p.SubIDAvailable),
		SharedSubAvailable:   clonePtr(p.SharedSubAvailable),
	}
	if p.SubscriptionIDs != nil {
		c.SubscriptionIDs = append([]uint32(nil), p.SubscriptionIDs...)
	}
	if p.User != nil {
		c.User = append([]UserProperty(nil), p.User...)
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// set returns the set of properties present in p.
func (p *Properties) set() propSet {
	var s propSet
	if p.PayloadFormat != nil {
		s |= bit(PropPayloadFormat)
	}
	if p.MessageExpiry != nil {
		s |= bit(PropMessageExpiry)
	}
	if p.ContentType != nil {
		s |= bit(PropContentType)
	}
	if p.ResponseTopic != nil {
		s |= bit(PropResponseTopic)
	}
	if p.CorrelationData != nil {
		s |= bit(PropCorrelationData)
	}
	if len(p.SubscriptionIDs) != 0 {
		s |= bit(PropSubscriptionID)
	}
	if p.SessionExpiry != nil {
		s |= bit(PropSessionExpiry)
	}
	if p.AssignedClientID != nil {
		s |= bit(PropAssignedClientID)
	}
	if p.ServerKeepAlive != nil {
		s |= bit(PropServerKeepAlive)
	}
	if p.AuthMethod != nil {
		s |= bit(PropAuthMethod)
	}
	if p.AuthData != nil {
		s |= bit(PropAuthData)
	}
	if p.RequestProblemInfo != nil {
		s |= bit(PropRequestProblemInfo)
	}
	if p.WillDelay != nil {
		s |= bit(PropWillDelay)
	}
	if p.RequestResponseInfo != nil {
		s |= bit(PropRequestResponseInfo)
	}
	if p.ResponseInfo != nil {
		s |= bit(PropResponseInfo)
	}
	if p.ServerReference != nil {
		s |= bit(PropServerReference)
	}
	if p.ReasonString != nil {
		s |= bit(PropReasonString)
	}
	if p.ReceiveMaximum != nil {
		s |= bit(PropReceiveMaximum)
	}
	if p.TopicAliasMaximum != nil {
		s |= bit(PropTopicAliasMaximum)
	}
	if p.TopicAlias != nil {
		s |= bit(PropTopicAlias)
	}
	if p.MaximumQoS != nil {
		s |= bit(PropMaximumQoS)
	}
	if p.RetainAvailable != nil {
		s |= bit(PropRetainAvailable)
	}
	if len(p.User) != 0 {
		s |= bit(PropUser)
	}
	if p.MaximumPacketSize != nil {
		s |= bit(PropMaximumPacketSize)
	}
	if p.WildcardSubAvailable != nil {
		s |= bit(PropWildcardSubAvailable)
	}
	if p.SubIDAvailable != nil {
		s |= bit(PropSubIDAvailable)
	}
	if p.SharedSubAvailable != nil {
		s |= bit(PropSharedSubAvailable)
	}
	return s
}

// empty reports whether p holds no property at all.
func (p *Properties) empty() bool { return p.set() == 0 }

// size returns the encoded length of the properties, excluding the
// Property Length prefix.
func (p *Properties) size() int {
	n := 0
	if p.PayloadFormat != nil {
		n += 2
	}
	if p.MessageExpiry != nil {
		n += 5
	}
	if p.ContentType != nil {
		n += 3 + len(*p.ContentType)
	}
	if p.ResponseTopic != nil {
		n += 3 + len(*p.ResponseTopic)
	}
	if p.CorrelationData != nil {
		n += 3 + len(p.CorrelationData)
	}
	for _, id := range p.SubscriptionIDs {
		n += 1 + varIntLen(int(id))
	}
	if p.SessionExpiry != nil {
		n += 5
	}
	if p.AssignedClientID != nil {
		n += 3 + len(*p.AssignedClientID)
	}
	if p.ServerKeepAlive != nil {
		n += 3
	}
	if p.AuthMethod != nil {
		n += 3 + len(*p.AuthMethod)
	}
	if p.AuthData != nil {
		n += 3 + len(p.AuthData)
	}
	if p.RequestProblemInfo != nil {
		n += 2
	}
	if p.WillDelay != nil {
		n += 5
	}
	if p.RequestResponseInfo != nil {
		n += 2
	}
	if p.ResponseInfo != nil {
		n += 3 + len(*p.ResponseInfo)
	}
	if p.ServerReference != nil {
		n += 3 + len(*p.ServerReference)
	}
	if p.ReasonString != nil {
		n += 3 + len(*p.ReasonString)
	}
	if p.ReceiveMaximum != nil {
		n += 3
	}
	if p.TopicAliasMaximum != nil {
		n += 3
	}
	if p.TopicAlias != nil {
		n += 3
	}
	if p.MaximumQoS != nil {
		n += 2
	}
	if p.RetainAvailable != nil {
		n += 2
	}
	for i := range p.User {
		n += 5 + len(p.User[i].Key) + len(p.User[i].Value)
	}
	if p.MaximumPacketSize != nil {
		n += 5
	}
	if p.WildcardSubAvailable != nil {
		n += 2
	}
	if p.SubIDAvailable != nil {
		n += 2
	}
	if p.SharedSubAvailable != nil {
		n += 2
	}
	return n
}

// appendProps appends the Property Length (size, as computed by p.size())
// and the properties in ascending identifier order.
func (p *Properties) appendProps(dst []byte, size int) []byte {
	dst = appendVarInt(dst, size)
	if size == 0 {
		return dst
	}
	if p.PayloadFormat != nil {
		dst = append(dst, byte(PropPayloadFormat), *p.PayloadFormat)
	}
	if p.MessageExpiry != nil {
		dst = appendUint32(append(dst, byte(PropMessageExpiry)), *p.MessageExpiry)
	}
	if p.ContentType != nil {
		dst = appendString(append(dst, byte(PropContentType)), *p.ContentType)
	}
	if p.ResponseTopic != nil {
		dst = appendString(append(dst, byte(PropResponseTopic)), *p.ResponseTopic)
	}
	if p.CorrelationData != nil {
		dst = appendBinary(append(dst, byte(PropCorrelationData)), p.CorrelationData)
	}
	for _, id := range p.SubscriptionIDs {
		dst = appendVarInt(append(dst, byte(PropSubscriptionID)), int(id))
	}
	if p.SessionExpiry != nil {
		dst = appendUint32(append(dst, byte(PropSessionExpiry)), *p.SessionExpiry)
	}
	if p.AssignedClientID != nil {
		dst = appendString(append(dst, byte(PropAssignedClientID)), *p.AssignedClientID)
	}
	if p.ServerKeepAlive != nil {
		dst = appendUint16(append(dst, byte(PropServerKeepAlive)), *p.ServerKeepAlive)
	}
	if p.AuthMethod != nil {
		dst = appendString(append(dst, byte(PropAuthMethod)), *p.AuthMethod)
	}
	if p.AuthData != nil {
		dst = appendBinary(append(dst, byte(PropAuthData)), p.AuthData)
	}
	if p.RequestProblemInfo != nil {
		dst = append(dst, byte(PropRequestProblemInfo), *p.RequestProblemInfo)
	}
	if p.WillDelay != nil {
		dst = appendUint32(append(dst, byte(PropWillDelay)), *p.WillDelay)
	}
	if p.RequestResponseInfo != nil {
		dst = append(dst, byte(PropRequestResponseInfo), *p.RequestResponseInfo)
	}
	if p.ResponseInfo != nil {
		dst = appendString(append(dst, byte(PropResponseInfo)), *p.ResponseInfo)
	}
	if p.ServerReference != nil {
		dst = appendString(append(dst, byte(PropServerReference)), *p.ServerReference)
	}
	if p.ReasonString != nil {
		dst = appendString(append(dst, byte(PropReasonString)), *p.ReasonString)
	}
	if p.ReceiveMaximum != nil {
		dst = appendUint16(append(dst, byte(PropReceiveMaximum)), *p.ReceiveMaximum)
	}
	if p.TopicAliasMaximum != nil {
		dst = appendUint16(append(dst, byte(PropTopicAliasMaximum)), *p.TopicAliasMaximum)
	}
	if p.TopicAlias != nil {
		dst = appendUint16(append(dst, byte(PropTopicAlias)), *p.TopicAlias)
	}
	if p.MaximumQoS != nil {
		dst = append(dst, byte(PropMaximumQoS), *p.MaximumQoS)
	}
	if p.RetainAvailable != nil {
		dst = append(dst, byte(PropRetainAvailable), *p.RetainAvailable)
	}
	for i := range p.User {
		dst = append(dst, byte(PropUser))
		dst = appendString(dst, p.User[i].Key)
		dst = appendString(dst, p.User[i].Value)
	}
	if p.MaximumPacketSize != nil {
		dst = appendUint32(append(dst, byte(PropMaximumPacketSize)), *p.MaximumPacketSize)
	}
	if p.WildcardSubAvailable != nil {
		dst = append(dst, byte(PropWildcardSubAvailable), *p.WildcardSubAvailable)
	}
	if p.SubIDAvailable != nil {
		dst = append(dst, byte(PropSubIDAvailable), *p.SubIDAvailable)
	}
	if p.SharedSubAvailable != nil {
		dst = append(dst, byte(PropSharedSubAvailable), *p.SharedSubAvailable)
	}
	return dst
}

// propField names property id in errors, e.g. "property 0x23 (topic alias)".
func propField(id PropertyID) string {
	if int(id) < len(propFields) && propFields[id] != "" {
		return propFields[id]
	}
	return fmt.Sprintf("property 0x%02X", byte(id))
}

var propFields = func() (f [64]string) {
	for id, name := range propNames {
		if name != "" {
			f[id] = fmt.Sprintf("property 0x%02X (%s)", id, name)
		}
	}
	return f
}()

// validate checks the properties p against the set allowed for the
// packet and version, and checks every value, in the encode direction.
func (p *Properties) validate(pt Type, v Version, allowed propSet) error {
	present := p.set()
	if present == 0 {
		return nil
	}
	if v < V5 {
		return &Error{Packet: pt, Field: "properties", Code: ProtocolError, Err: errPropsV3}
	}
	if bad := present &^ allowed; bad != 0 {
		id := PropertyID(0)
		for bad&1 == 0 {
			bad >>= 1
			id++
		}
		return &Error{Packet: pt, Field: propField(id), Code: MalformedPacket, Err: errPropNotAllowed}
	}
	fail := func(id PropertyID) error {
		return &Error{Packet: pt, Field: propField(id), Code: ProtocolError, Err: errPropValue}
	}
	for _, b := range [...]struct {
		id PropertyID
		v  *byte
	}{
		{PropRequestProblemInfo, p.RequestProblemInfo},
		{PropRequestResponseInfo, p.RequestResponseInfo}, {PropMaximumQoS, p.MaximumQoS},
		{PropRetainAvailable, p.RetainAvailable}, {PropWildcardSubAvailable, p.WildcardSubAvailable},
		{PropSubIDAvailable, p.SubIDAvailable}, {PropSharedSubAvailable, p.SharedSubAvailable},
	} {
		if b.v != nil && *b.v > 1 {
			return fail(b.id)
		}
	}
	if p.ReceiveMaximum != nil && *p.ReceiveMaximum == 0 {
		return fail(PropReceiveMaximum)
	}
	if p.MaximumPacketSize != nil && *p.MaximumPacketSize == 0 {
		return fail(PropMaximumPacketSize)
	}
	if p.TopicAlias != nil && *p.TopicAlias == 0 {
		return &Error{Packet: pt, Field: propField(PropTopicAlias), Code: TopicAliasInvalid, Err: errPropValue} // [MQTT-3.3.2-8]
	}
	for _, id := range p.SubscriptionIDs {
		if id == 0 || id > MaxVarInt {
			return fail(PropSubscriptionID)
		}
	}
	if pt == SUBSCRIBE && len(p.SubscriptionIDs) > 1 {
		return &Error{Packet: pt, Field: propField(PropSubscriptionID), Code: ProtocolError, Err: errPropDuplicate}
	}
	for _, s := range [...]struct {
		id PropertyID
		v  *string
	}{
		{PropContentType, p.ContentType}, {PropResponseTopic, p.ResponseTopic},
		{PropAssignedClientID, p.AssignedClientID}, {PropAuthMethod, p.AuthMethod},
		{PropResponseInfo, p.ResponseInfo}, {PropServerReference, p.ServerReference},
		{PropReasonString, p.ReasonString},
	} {
		if s.v != nil {
			if err := validateString(pt, propField(s.id), *s.v); err != nil {
				return err
			}
		}
	}
	if p.ResponseTopic != nil {
		// The Response Topic is a topic name [MQTT-3.3.2-14].
		if err := ValidateTopicName(*p.ResponseTopic); err != nil {
			return &Error{Packet: pt, Field: propField(PropResponseTopic), Code: ProtocolError, Err: err}
		}
	}
	if err := validateBinary(pt, propField(PropCorrelationData), p.CorrelationData); err != nil {
		return err
	}
	if err := validateBinary(pt, propField(PropAuthData), p.AuthData); err != nil {
		return err
	}
	for i := range p.User {
		if err := validateString(pt, "user property key", p.User[i].Key); err != nil {
			return err
		}
		if err := validateString(pt, "user property value", p.User[i].Value); err != nil {
			return err
		}
	}
	return nil
}

// decodeProps reads the Property Length and the properties that follow
// it into p, which the caller has zeroed. allowed is the set the packet
// may carry.
func (d *decoder) decodeProps(p *Properties, allowed propSet) error {
	n, err := d.varInt("property length")
	if err != nil {
		return err
	}
	if n > len(d.b) {
		return d.fail("property length", MalformedPacket, errPropsLength)
	}
	if n == 0 {
		return nil
	}
	pd := decoder{b: d.b[:n], pt: d.pt}
	d.b = d.b[n:]
	var seen propSet
	var st *propStore
	store := func() *propStore {
		if st == nil {
			st = new(propStore)
		}
		return st
	}
	for len(pd.b) > 0 {
		raw := pd.b[0]
		pd.b = pd.b[1:]
		id := PropertyID(raw)
		if raw >= 64 || propNames[raw] == "" {
			// Identifiers are Variable Byte Integers, but every defined
			// one fits in one byte below 0x80.
			return pd.fail(fmt.Sprintf("property 0x%02X", raw), MalformedPacket, errPropUnknown)
		}
		field := propFields[raw]
		b := bit(id)
		if allowed&b == 0 {
			// [2.2.2.2]: an identifier not valid for the packet type is a
			// Malformed Packet.
			return pd.fail(field, MalformedPacket, errPropNotAllowed)
		}
		if seen&b != 0 && id != PropUser && !(id == PropSubscriptionID && d.pt == PUBLISH) {
			return pd.fail(field, ProtocolError, errPropDuplicate)
		}
		seen |= b
		switch id {
		case PropPayloadFormat, PropRequestProblemInfo, PropRequestResponseInfo, PropMaximumQoS,
			PropRetainAvailable, PropWildcardSubAvailable, PropSubIDAvailable, PropSharedSubAvailable:
			c, err := pd.byte1(field)
			if err != nil {
				return err
			}
			// Only the Payload Format Indicator may take other values: the
			// specification defines 0 and 1 without making others an
			// error, and a server forwards it unaltered [MQTT-3.3.2-4].
			if c > 1 && id != PropPayloadFormat {
				return pd.fail(field, ProtocolError, errPropValue)
			}
			s := store()
			switch id {
			case PropPayloadFormat:
				s.b[0] = c
				p.PayloadFormat = &s.b[0]
			case PropRequestProblemInfo:
				s.b[1] = c
				p.RequestProblemInfo = &s.b[1]
			case PropRequestResponseInfo:
				s.b[2] = c
				p.RequestResponseInfo = &s.b[2]
			case PropMaximumQoS:
				s.b[3] = c
				p.MaximumQoS = &s.b[3]
			case PropRetainAvailable:
				s.b[4] = c
				p.RetainAvailable = &s.b[4]
			case PropWildcardSubAvailable:
				s.b[5] = c
				p.WildcardSubAvailable = &s.b[5]
			case PropSubIDAvailable:
				s.b[6] = c
				p.SubIDAvailable = &s.b[6]
			case PropSharedSubAvailable:
				s.b[7] = c
				p.SharedSubAvailable = &s.b[7]
			}
		case PropServerKeepAlive, PropReceiveMaximum, PropTopicAliasMaximum, PropTopicAlias:
			v, err := pd.uint16(field)
			if err != nil {
				return err
			}
			if v == 0 && id == PropReceiveMaximum {
				return pd.fail(field, ProtocolError, errPropValue)
			}
			if v == 0 && id == PropTopicAlias {
				// Section 3.3.4: a Topic Alias of 0 is answered with 0x94.
				return pd.fail(field, TopicAliasInvalid, errPropValue) // [MQTT-3.3.2-8]
			}
			s := store()
			switch id {
			case PropServerKeepAlive:
				s.u16[0] = v
				p.ServerKeepAlive = &s.u16[0]
			case PropReceiveMaximum:
				s.u16[1] = v
				p.ReceiveMaximum = &s.u16[1]
			case PropTopicAliasMaximum:
				s.u16[2] = v
				p.TopicAliasMaximum = &s.u16[2]
			case PropTopicAlias:
				s.u16[3] = v
				p.TopicAlias = &s.u16[3]
			}
		case PropMessageExpiry, PropSessionExpiry, PropWillDelay, PropMaximumPacketSize:
			v, err := pd.uint32(field)
			if err != nil {
				return err
			}
			if v == 0 && id == PropMaximumPacketSize {
				return pd.fail(field, ProtocolError, errPropValue)
			}
			s := store()
			switch id {
			case PropMessageExpiry:
				s.u32[0] = v
				p.MessageExpiry = &s.u32[0]
			case PropSessionExpiry:
				s.u32[1] = v
				p.SessionExpiry = &s.u32[1]
			case PropWillDelay:
				s.u32[2] = v
				p.WillDelay = &s.u32[2]
			case PropMaximumPacketSize:
				s.u32[3] = v
				p.MaximumPacketSize = &s.u32[3]
			}
		case PropContentType, PropResponseTopic, PropAssignedClientID, PropAuthMethod,
			PropResponseInfo, PropServerReference, PropReasonString:
			v, err := pd.string(field)
			if err != nil {
				return err
			}
			s := store()
			switch id {
			case PropContentType:
				s.s[0] = v
				p.ContentType = &s.s[0]
			case PropResponseTopic:
				if err := ValidateTopicName(v); err != nil {
					return pd.fail(field, ProtocolError, err) // [MQTT-3.3.2-14]
				}
				s.s[1] = v
				p.ResponseTopic = &s.s[1]
			case PropAssignedClientID:
				s.s[2] = v
				p.AssignedClientID = &s.s[2]
			case PropAuthMethod:
				s.s[3] = v
				p.AuthMethod = &s.s[3]
			case PropResponseInfo:
				s.s[4] = v
				p.ResponseInfo = &s.s[4]
			case PropServerReference:
				s.s[5] = v
				p.ServerReference = &s.s[5]
			case PropReasonString:
				s.s[6] = v
				p.ReasonString = &s.s[6]
			}
		case PropCorrelationData, PropAuthData:
			v, err := pd.binary(field)
			if err != nil {
				return err
			}
			if id == PropCorrelationData {
				p.CorrelationData = v
			} else {
				p.AuthData = v
			}
		case PropSubscriptionID:
			v, err := pd.varInt(field)
			if err != nil {
				return err
			}
			if v == 0 {
				return pd.fail(field, ProtocolError, errPropValue)
			}
			p.SubscriptionIDs = append(p.SubscriptionIDs, uint32(v))
		case PropUser:
			k, err := pd.string(field)
			if err != nil {
				return err
			}
			v, err := pd.string(field)
			if err != nil {
				return err
			}
			p.User = append(p.User, UserProperty{Key: k, Value: v})
		}
	}
	return nil
}

// propNames names each defined property for error messages; "" marks an
// unknown identifier.
var propNames = [64]string{
	PropPayloadFormat:        "payload format indicator",
	PropMessageExpiry:        "message expiry interval",
	PropContentType:          "content type",
	PropResponseTopic:        "response topic",
	PropCorrelationData:      "correlation data",
	PropSubscriptionID:       "subscription identifier",
	PropSessionExpiry:        "session expiry interval",
	PropAssignedClientID:     "assigned client identifier",
	PropServerKeepAlive:      "server keep alive",
	PropAuthMethod:           "authentication method",
	PropAuthData:             "authentication data",
	PropRequestProblemInfo:   "request problem information",
	PropWillDelay:            "will delay interval",
	PropRequestResponseInfo:  "request response information",
	PropResponseInfo:         "response information",
	PropServerReference:      "server reference",
	PropReasonString:         "reason string",
	PropReceiveMaximum:       "receive maximum",
	PropTopicAliasMaximum:    "topic alias maximum",
	PropTopicAlias:           "topic alias",
	PropMaximumQoS:           "maximum QoS",
	PropRetainAvailable:      "retain available",
	PropUser:                 "user property",
	PropMaximumPacketSize:    "maximum packet size",
	PropWildcardSubAvailable: "wildcard subscription available",
	PropSubIDAvailable:       "subscription identifier available",
	PropSharedSubAvailable:   "shared subscription available",
}
