// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// PropertyID identifies an MQTT v5 property (section 2.2.2.2).
type PropertyID byte

// The property identifiers of MQTT v5.0.
const (
	PropPayloadFormat        PropertyID = 0x01
	PropMessageExpiry        PropertyID = 0x02
	PropContentType          PropertyID = 0x03
	PropResponseTopic        PropertyID = 0x08
	PropCorrelationData      PropertyID = 0x09
	PropSubscriptionID       PropertyID = 0x0B
	PropSessionExpiry        PropertyID = 0x11
	PropAssignedClientID     PropertyID = 0x12
	PropServerKeepAlive      PropertyID = 0x13
	PropAuthMethod           PropertyID = 0x15
	PropAuthData             PropertyID = 0x16
	PropRequestProblemInfo   PropertyID = 0x17
	PropWillDelay            PropertyID = 0x18
	PropRequestResponseInfo  PropertyID = 0x19
	PropResponseInfo         PropertyID = 0x1A
	PropServerReference      PropertyID = 0x1C
	PropReasonString         PropertyID = 0x1F
	PropReceiveMaximum       PropertyID = 0x21
	PropTopicAliasMaximum    PropertyID = 0x22
	PropTopicAlias           PropertyID = 0x23
	PropMaximumQoS           PropertyID = 0x24
	PropRetainAvailable      PropertyID = 0x25
	PropUser                 PropertyID = 0x26
	PropMaximumPacketSize    PropertyID = 0x27
	PropWildcardSubAvailable PropertyID = 0x28
	PropSubIDAvailable       PropertyID = 0x29
	PropSharedSubAvailable   PropertyID = 0x2A
)

// UserProperty is one name/value pair of a User Property (0x26). A packet
// may carry the same name several times; order is significant and kept.
type UserProperty struct {
	Key   string
	Value string
}

// Properties holds the v5 properties of a packet. Every optional scalar or
// string is a pointer that is nil when the property is absent; binary data
// is nil when absent. Which properties a packet may carry is checked by
// Validate and on decode; properties are never encoded for v3 packets.
type Properties struct {
	// PayloadFormat (0x01): 0 unspecified bytes, 1 UTF-8 encoded character
	// data. Other values are accepted and kept as they are (the
	// specification defines no meaning for them, and no error).
	PayloadFormat *byte
	// MessageExpiry (0x02): lifetime of the application message in seconds.
	MessageExpiry *uint32
	// ContentType (0x03): UTF-8 string describing the content of the message.
	ContentType *string
	// ResponseTopic (0x08): topic name for a response message.
	ResponseTopic *string
	// CorrelationData (0x09): binary data used by a requester to identify a response.
	CorrelationData []byte
	// SubscriptionIDs (0x0B): one identifier in SUBSCRIBE; one per matching
	// subscription in PUBLISH. Each is 1..268,435,455.
	SubscriptionIDs []uint32
	// SessionExpiry (0x11): session expiry interval in seconds.
	SessionExpiry *uint32
	// AssignedClientID (0x12): client identifier assigned by the server.
	AssignedClientID *string
	// ServerKeepAlive (0x13): keep alive the server requires, in seconds.
	ServerKeepAlive *uint16
	// AuthMethod (0x15): name of the extended authentication method.
	AuthMethod *string
	// AuthData (0x16): data of the extended authentication exchange.
	AuthData []byte
	// RequestProblemInfo (0x17): 0 or 1; whether reason strings and user
	// properties may be sent on failures.
	RequestProblemInfo *byte
	// WillDelay (0x18): will delay interval in seconds.
	WillDelay *uint32
	// RequestResponseInfo (0x19): 0 or 1; whether the client asks for response information.
	RequestResponseInfo *byte
	// ResponseInfo (0x1A): basis for creating a response topic.
	ResponseInfo *string
	// ServerReference (0x1C): another server the client may use.
	ServerReference *string
	// ReasonString (0x1F): human-readable diagnostic text.
	ReasonString *string
	// ReceiveMaximum (0x21): 1..65,535 concurrent QoS 1 and 2 publications.
	ReceiveMaximum *uint16
	// TopicAliasMaximum (0x22): highest topic alias accepted.
	TopicAliasMaximum *uint16
	// TopicAlias (0x23): 1..65,535, an alias for the topic name.
	TopicAlias *uint16
	// MaximumQoS (0x24): 0 or 1; the highest QoS the server supports.
	MaximumQoS *byte
	// RetainAvailable (0x25): 0 or 1.
	RetainAvailable *byte
	// User (0x26): user properties in wire order.
	User []UserProperty
	// MaximumPacketSize (0x27): largest packet the sender accepts, > 0.
	MaximumPacketSize *uint32
	// WildcardSubAvailable (0x28): 0 or 1.
	WildcardSubAvailable *byte
	// SubIDAvailable (0x29): 0 or 1.
	SubIDAvailable *byte
	// SharedSubAvailable (0x2A): 0 or 1.
	SharedSubAvailable *byte
}
