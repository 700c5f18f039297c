// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"strings"
	"testing"
)

// v5Pub builds a v5 QoS 0 PUBLISH to topic "t" with the given property
// bytes (hex, without the Property Length).
func v5Pub(t *testing.T, props string) []byte {
	t.Helper()
	p := unhex(t, props)
	body := append(unhex(t, "000174"), appendVarInt(nil, len(p))...)
	body = append(body, p...)
	return append(appendVarInt([]byte{0x30}, len(body)), body...)
}

// v5Conn builds a v5 CONNECT with client id "c" and the given CONNECT
// property bytes.
func v5Conn(t *testing.T, props string) []byte {
	t.Helper()
	p := unhex(t, props)
	body := append(unhex(t, "00044d51545405020000"), appendVarInt(nil, len(p))...)
	body = append(append(body, p...), 0, 1, 'c')
	return append(appendVarInt([]byte{0x10}, len(body)), body...)
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		wire []byte
		code ReasonCode
	}{
		// ---- CONNECT ----
		{"connect reserved flag", V311, unhex(t, "100d 00044d515454 04 03 0000 000163"), MalformedPacket}, // [MQTT-3.1.2-3]
		{"connect will qos 3", V311, unhex(t, "1012 00044d515454 04 1e 0000 000163 000174 0000"), MalformedPacket},
		{"connect will qos without will", V311, unhex(t, "100d 00044d515454 04 0a 0000 000163"), MalformedPacket},      // [MQTT-3.1.2-13] (v3.1.1)
		{"connect will retain without will", V311, unhex(t, "100d 00044d515454 04 22 0000 000163"), MalformedPacket},   // [MQTT-3.1.2-15] (v3.1.1)
		{"connect password without user", V311, unhex(t, "100f 00044d515454 04 40 0000 000163 0000"), MalformedPacket}, // [MQTT-3.1.2-22]
		{"connect password without user v3.1", V31, unhex(t, "1011 00064d5149736470 03 40 0000 000163 0000"), MalformedPacket},
		{"connect bad client id", V311, unhex(t, "100d 00044d515454 04 02 0000 000100"), MalformedPacket}, // [MQTT-1.5.4-2]
		{"connect trailing", V311, unhex(t, "100e 00044d515454 04 02 0000 000163 ff"), MalformedPacket},
		{"connect short", V311, unhex(t, "1009 00044d515454 04 02 00"), MalformedPacket},
		{"connect level 6", V5, unhex(t, "100d 00044d515454 06 02 0000 000163"), UnsupportedProtocolVersion},
		{"connect MQTT with level 3", V5, unhex(t, "100d 00044d515454 03 02 0000 000163"), UnsupportedProtocolVersion},
		{"connect MQIsdp with level 4", V5, unhex(t, "100f 00064d5149736470 04 02 0000 000163"), UnsupportedProtocolVersion},
		{"connect auth data without method", V5, v5Conn(t, "16 0001 00"), ProtocolError},
		{"connect will wildcard topic", V311, unhex(t, "1012 00044d515454 04 06 0000 000163 000123 0000"), TopicNameInvalid},
		// ---- properties ----
		{"props not allowed in packet", V5, v5Pub(t, "11 00000001"), MalformedPacket}, // section 2.2.2.2
		{"props unknown id", V5, v5Pub(t, "7f 00"), MalformedPacket},
		{"props two-byte id", V5, v5Pub(t, "8001 00"), MalformedPacket},
		{"props duplicate", V5, v5Pub(t, "02 00000001 02 00000002"), ProtocolError},
		{"props request problem information 2", V5, v5Conn(t, "17 02"), ProtocolError},
		{"props topic alias 0", V5, v5Pub(t, "23 0000"), TopicAliasInvalid}, // [MQTT-3.3.2-8] section 3.3.4
		{"props subscription id 0", V5, v5Pub(t, "0b 00"), ProtocolError},
		{"props subscription id non-minimal", V5, v5Pub(t, "0b 8100"), MalformedPacket},
		{"props response topic wildcard", V5, v5Pub(t, "08 0001 23"), ProtocolError}, // [MQTT-3.3.2-14]
		{"props length beyond packet", V5, unhex(t, "3004 000174 05"), MalformedPacket},
		{"props truncated value", V5, v5Pub(t, "02 0000"), MalformedPacket},
		{"props receive maximum 0", V5, v5Conn(t, "21 0000"), ProtocolError},
		{"props maximum packet size 0", V5, v5Conn(t, "27 00000000"), ProtocolError},
		{"props request problem info 2", V5, v5Conn(t, "17 02"), ProtocolError},
		{"props request response info 2", V5, v5Conn(t, "19 02"), ProtocolError},
		{"props maximum qos 2", V5, unhex(t, "2005 0000 02 2402"), ProtocolError},
		{"props user property bad utf8", V5, v5Pub(t, "26 0001 00 0001 61"), MalformedPacket},
		// ---- PUBLISH ----
		{"publish dup qos0", V311, unhex(t, "3803 000174"), ProtocolError},           // [MQTT-3.3.1-2]
		{"publish wildcard +", V311, unhex(t, "3005 0003 612f2b"), TopicNameInvalid}, // [MQTT-3.3.2-2]
		{"publish wildcard #", V5, unhex(t, "3004 0001 23 00"), TopicNameInvalid},    // [MQTT-3.3.2-2]
		{"publish empty topic v3", V311, unhex(t, "30020000"), TopicNameInvalid},     // [MQTT-4.7.3-1]
		{"publish empty topic v5 no alias", V5, unhex(t, "3003000000"), ProtocolError},
		{"publish packet id 0", V311, unhex(t, "3205 000174 0000"), MalformedPacket},     // [MQTT-2.2.1-3]
		{"publish topic null", V311, unhex(t, "3003 000100"), MalformedPacket},           // [MQTT-1.5.4-2]
		{"publish topic surrogate", V311, unhex(t, "3005 0003 eda080"), MalformedPacket}, // [MQTT-1.5.4-1]
		{"publish topic beyond body", V311, unhex(t, "3003 000561"), MalformedPacket},
		{"publish v5 no property length", V5, unhex(t, "3003 000174"), MalformedPacket},
		// ---- acknowledgements ----
		{"puback packet id 0", V311, unhex(t, "40020000"), MalformedPacket},
		{"puback v3 trailing", V311, unhex(t, "4003000100"), MalformedPacket},
		{"puback short", V311, unhex(t, "400100"), MalformedPacket},
		{"puback v5 bad code", V5, unhex(t, "4003000192"), ProtocolError},
		{"pubrel v5 bad code", V5, unhex(t, "6203000110"), ProtocolError},
		{"puback v5 wrong property", V5, unhex(t, "4007 0001 00 03 230001"), MalformedPacket},
		{"connack reserved bits", V311, unhex(t, "20020200"), MalformedPacket}, // [MQTT-3.2.2-1] (v3.1.1)
		{"connack v3 code 6", V311, unhex(t, "20020006"), ProtocolError},
		{"connack session present with error", V5, unhex(t, "2003 01 80 00"), ProtocolError}, // [MQTT-3.2.2-6]
		{"suback empty", V311, unhex(t, "90020001"), ProtocolError},
		{"suback v3 bad code", V311, unhex(t, "9003000103"), ProtocolError},
		{"unsuback v5 empty", V5, unhex(t, "b003000100"), ProtocolError},
		{"unsuback v3 trailing", V311, unhex(t, "b003000100"), MalformedPacket},
		{"pingreq body", V311, unhex(t, "c00100"), MalformedPacket},
		{"disconnect v3 body", V311, unhex(t, "e00100"), MalformedPacket},
		{"disconnect v5 bad code", V5, unhex(t, "e00118"), ProtocolError},
		{"auth v5 bad code", V5, unhex(t, "f0020100"), ProtocolError},
		{"auth v5 code without properties", V5, unhex(t, "f00118"), MalformedPacket},
		// ---- SUBSCRIBE / UNSUBSCRIBE ----
		{"subscribe empty payload", V311, unhex(t, "82020001"), ProtocolError},    // [MQTT-3.8.3-3] (v3.1.1)
		{"subscribe v5 empty payload", V5, unhex(t, "8203000100"), ProtocolError}, // [MQTT-3.8.3-2]
		{"subscribe packet id 0", V311, unhex(t, "8206 0000 000123 00"), MalformedPacket},
		{"subscribe v3 upper option bits", V311, unhex(t, "8206 0001 000123 04"), MalformedPacket}, // [MQTT-3-8.3-4] (v3.1.1)
		{"subscribe v3 qos 3", V311, unhex(t, "8206 0001 000123 03"), MalformedPacket},
		{"subscribe v5 reserved option bits", V5, unhex(t, "8207 0001 00 000123 40"), MalformedPacket}, // [MQTT-3.8.3-5]
		{"subscribe v5 qos 3", V5, unhex(t, "8207 0001 00 000123 03"), ProtocolError},                  // section 3.8.3.1
		{"subscribe v5 retain handling 3", V5, unhex(t, "8207 0001 00 000123 30"), ProtocolError},
		{"subscribe v5 two subscription ids", V5, unhex(t, "820b 0001 04 0b01 0b02 000123 00"), ProtocolError},
		{"subscribe v5 no local shared", V5, unhex(t, "8210 0001 00 000a 24736861726 52f672f23 04"), ProtocolError}, // [MQTT-3.8.3-4]
		{"subscribe missing options", V311, unhex(t, "8205 0001 000123"), MalformedPacket},
		{"subscribe bad utf8 filter", V311, unhex(t, "8206 0001 0001 ff 00"), MalformedPacket},
		{"unsubscribe empty payload", V311, unhex(t, "a2020001"), ProtocolError}, // [MQTT-3.10.3-2]
		{"unsubscribe v5 wrong property", V5, unhex(t, "a208 0001 02 1700 000123"), MalformedPacket},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			_, err := decodeFrame(t, tc.wire, tc.v)
			wantCode(t, err, tc.code)
		})
	}
}

// A semantically invalid filter decodes: a v5 server answers it with
// SUBACK 0x8F and checks it with ValidateTopicFilter itself.
func TestSubscribeDecodeKeepsInvalidFilter(t *testing.T) {
	p, err := decodeFrame(t, unhex(t, "820a 0001 0005 612f232f62 00"), V311)
	if err != nil {
		t.Fatal(err)
	}
	s := p.(*Subscribe)
	wantCode(t, ValidateTopicFilter(s.Subscriptions[0].Filter), TopicFilterInvalid) // [MQTT-4.7.1-1]
	wantCode(t, s.Validate(V311), TopicFilterInvalid)
}

// The broker needs the client's protocol level even when CONNECT fails
// later, to answer with a CONNACK of the right version.
func TestConnectVersionSetOnError(t *testing.T) {
	for _, tc := range []struct {
		wire string
		v    Version
	}{
		{"100d 00044d515454 05 03 0000 000163", V5},           // reserved flag
		{"100d 00044d515454 06 02 0000 000163", 6},            // unsupported level
		{"100d 0004 4d515458 04 02 0000 000163", V311},        // wrong name
		{"100d 00044d515454 04 02 0000 000100", V311},         // bad client id
		{"1011 00064d5149736470 03 40 0000 000163 0000", V31}, // password only
	} {
		p, err := decodeFrame(t, unhex(t, tc.wire), V5)
		if err == nil {
			t.Fatalf("%s decoded", tc.wire)
		}
		if c, ok := p.(*Connect); !ok || c.ProtocolVersion != tc.v {
			t.Errorf("%s: packet %#v, want ProtocolVersion %d", tc.wire, p, tc.v)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	user := "u"
	for _, tc := range []struct {
		name string
		p    Packet
		v    Version
		code ReasonCode
	}{
		{"publish qos 3", &Publish{QoS: 3, Topic: "a", PacketID: 1}, V5, MalformedPacket},
		{"publish dup qos 0", &Publish{Dup: true, Topic: "a"}, V5, ProtocolError},  // [MQTT-3.3.1-2]
		{"publish packet id 0", &Publish{QoS: 1, Topic: "a"}, V5, MalformedPacket}, // [MQTT-2.2.1-3]
		{"publish empty topic v3", &Publish{}, V311, TopicNameInvalid},
		{"publish empty topic v5", &Publish{}, V5, ProtocolError},
		{"publish wildcard", &Publish{Topic: "a/#"}, V5, TopicNameInvalid},
		{"publish topic alias 0", &Publish{Topic: "a", Properties: Properties{TopicAlias: Ptr(uint16(0))}}, V5, TopicAliasInvalid},
		{"publish session expiry", &Publish{Topic: "a", Properties: Properties{SessionExpiry: Ptr(uint32(1))}}, V5, MalformedPacket},
		{"publish subscription id too big", &Publish{Topic: "a", Properties: Properties{SubscriptionIDs: []uint32{MaxVarInt + 1}}}, V5, ProtocolError},
		{"publish bad user property", &Publish{Topic: "a", Properties: Properties{User: []UserProperty{{"\x00", ""}}}}, V5, MalformedPacket},
		{"connect v3 password only", &Connect{Password: []byte("x")}, V311, MalformedPacket}, // [MQTT-3.1.2-22]
		{"connect wrong name", &Connect{ProtocolName: "MQTT"}, V31, UnsupportedProtocolVersion},
		{"connect wrong level", &Connect{ProtocolVersion: V5}, V311, UnsupportedProtocolVersion},
		{"connect version 2", &Connect{}, 2, UnsupportedProtocolVersion},
		{"connect will qos 3", &Connect{Will: &Will{QoS: 3, Topic: "a"}}, V311, MalformedPacket},
		{"connect will topic wildcard", &Connect{Will: &Will{Topic: "+"}}, V311, TopicNameInvalid},
		{"connect will props at v3", &Connect{Will: &Will{Topic: "a", Properties: Properties{WillDelay: Ptr(uint32(1))}}}, V311, ProtocolError},
		{"connect will delay in connect", &Connect{Properties: Properties{WillDelay: Ptr(uint32(1))}}, V5, MalformedPacket},
		{"connect bad user name", &Connect{Username: Ptr("\xff")}, V311, MalformedPacket},
		{"connect long client id", &Connect{ClientID: strings.Repeat("a", 65536), Username: &user}, V311, MalformedPacket},
		{"connack v3 code", &Connack{ReasonCode: 6}, V311, ProtocolError},
		{"connack session present on error", &Connack{SessionPresent: true, ReasonCode: ConnackV3NotAuthorized}, V311, ProtocolError}, // [MQTT-3.2.2-4] (v3.1.1)
		{"connack maximum qos 2", &Connack{Properties: Properties{MaximumQoS: Ptr(byte(2))}}, V5, ProtocolError},
		{"subscribe empty", &Subscribe{PacketID: 1}, V5, ProtocolError},
		{"subscribe bad filter", &Subscribe{PacketID: 1, Subscriptions: []Subscription{{Filter: "a+"}}}, V5, TopicFilterInvalid},
		{"subscribe retain handling 3", &Subscribe{PacketID: 1, Subscriptions: []Subscription{{Filter: "a", RetainHandling: 3}}}, V5, ProtocolError},
		{"subscribe no local shared", &Subscribe{PacketID: 1, Subscriptions: []Subscription{{Filter: "$share/g/a", NoLocal: true}}}, V5, ProtocolError},
		{"subscribe two ids", &Subscribe{PacketID: 1, Properties: Properties{SubscriptionIDs: []uint32{1, 2}}, Subscriptions: []Subscription{{Filter: "a"}}}, V5, ProtocolError},
		{"subscribe packet id 0", &Subscribe{Subscriptions: []Subscription{{Filter: "a"}}}, V5, MalformedPacket},
		{"unsubscribe empty", &Unsubscribe{PacketID: 1}, V311, ProtocolError},
		{"unsubscribe bad filter", &Unsubscribe{PacketID: 1, Filters: []string{"#/a"}}, V311, TopicFilterInvalid},
		{"puback packet id 0", &Puback{}, V5, MalformedPacket},
		{"pubrel bad code", &Pubrel{PacketID: 1, ReasonCode: NotAuthorized}, V5, ProtocolError},
		{"puback reason string at v3", &Puback{PacketID: 1, Properties: Properties{ReasonString: Ptr("x")}}, V311, ProtocolError},
		{"suback empty", &Suback{PacketID: 1}, V5, ProtocolError},
		{"unsuback v5 empty", &Unsuback{PacketID: 1}, V5, ProtocolError},
		{"disconnect bad code", &Disconnect{ReasonCode: ContinueAuthentication}, V5, ProtocolError},
		{"auth bad code", &Auth{ReasonCode: ServerBusy}, V5, ProtocolError},
		{"auth at v3", &Auth{}, V311, ProtocolError},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			wantCode(t, tc.p.Validate(tc.v), tc.code)
		})
	}
}

func TestConnackCodeV3(t *testing.T) {
	for rc, want := range map[ReasonCode]ReasonCode{
		Success:                    ConnackV3Accepted,
		UnsupportedProtocolVersion: ConnackV3UnacceptableProtocolVersion,
		ClientIdentifierNotValid:   ConnackV3IdentifierRejected,
		BadUsernameOrPassword:      ConnackV3BadUsernameOrPassword,
		NotAuthorized:              ConnackV3NotAuthorized,
		BadAuthenticationMethod:    ConnackV3NotAuthorized,
		ServerUnavailable:          ConnackV3ServerUnavailable,
		ServerBusy:                 ConnackV3ServerUnavailable,
		Banned:                     ConnackV3ServerUnavailable,
		QuotaExceeded:              ConnackV3ServerUnavailable,
	} {
		if got := ConnackCodeV3(rc); got != want {
			t.Errorf("ConnackCodeV3(0x%02X) = %d, want %d", byte(rc), got, want)
		}
	}
}
