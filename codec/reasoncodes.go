// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import "errors"

var errReasonCode = errors.New("reason code not allowed in this packet")

// codeSet is a set of reason codes, used for the per-packet tables of
// allowed codes.
type codeSet [4]uint64

func newCodeSet(codes ...ReasonCode) codeSet {
	var s codeSet
	for _, c := range codes {
		s[c>>6] |= 1 << (c & 63)
	}
	return s
}

func (s *codeSet) has(c ReasonCode) bool { return s[c>>6]&(1<<(c&63)) != 0 }

// The reason codes each v5 packet may carry (section 3.x.2.1 of each
// packet) and the v3 return codes.
var (
	connackCodesV5 = newCodeSet(Success, UnspecifiedError, MalformedPacket, ProtocolError,
		ImplementationSpecificError, UnsupportedProtocolVersion, ClientIdentifierNotValid,
		BadUsernameOrPassword, NotAuthorized, ServerUnavailable, ServerBusy, Banned,
		BadAuthenticationMethod, TopicNameInvalid, PacketTooLarge, QuotaExceeded,
		PayloadFormatInvalid, RetainNotSupported, QoSNotSupported, UseAnotherServer,
		ServerMoved, ConnectionRateExceeded)
	connackCodesV3 = newCodeSet(ConnackV3Accepted, ConnackV3UnacceptableProtocolVersion,
		ConnackV3IdentifierRejected, ConnackV3ServerUnavailable, ConnackV3BadUsernameOrPassword,
		ConnackV3NotAuthorized)
	pubackCodes = newCodeSet(Success, NoMatchingSubscribers, UnspecifiedError,
		ImplementationSpecificError, NotAuthorized, TopicNameInvalid, PacketIdentifierInUse,
		QuotaExceeded, PayloadFormatInvalid)
	pubrelCodes = newCodeSet(Success, PacketIdentifierNotFound)
	subackCodes = newCodeSet(GrantedQoS0, GrantedQoS1, GrantedQoS2, UnspecifiedError,
		ImplementationSpecificError, NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse,
		QuotaExceeded, SharedSubscriptionsNotSupported, SubscriptionIdentifiersNotSupported,
		WildcardSubscriptionsNotSupported)
	subackCodesV3 = newCodeSet(GrantedQoS0, GrantedQoS1, GrantedQoS2, UnspecifiedError)
	unsubackCodes = newCodeSet(Success, NoSubscriptionExisted, UnspecifiedError,
		ImplementationSpecificError, NotAuthorized, TopicFilterInvalid, PacketIdentifierInUse)
	disconnectCodes = newCodeSet(NormalDisconnection, DisconnectWithWill, UnspecifiedError,
		MalformedPacket, ProtocolError, ImplementationSpecificError, NotAuthorized, ServerBusy,
		ServerShuttingDown, KeepAliveTimeout, SessionTakenOver, TopicFilterInvalid,
		TopicNameInvalid, ReceiveMaximumExceeded, TopicAliasInvalid, PacketTooLarge,
		MessageRateTooHigh, QuotaExceeded, AdministrativeAction, PayloadFormatInvalid,
		RetainNotSupported, QoSNotSupported, UseAnotherServer, ServerMoved,
		SharedSubscriptionsNotSupported, ConnectionRateExceeded, MaximumConnectTime,
		SubscriptionIdentifiersNotSupported, WildcardSubscriptionsNotSupported)
	authCodes = newCodeSet(Success, ContinueAuthentication, ReAuthenticate)
)

func badReasonCode(pt Type) error {
	return &Error{Packet: pt, Field: "reason code", Code: ProtocolError, Err: errReasonCode}
}
