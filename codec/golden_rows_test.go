// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec_test

import (
	"bytes"
	"strings"

	"github.com/wrenmq/wrenmq/codec"
)

// goldenRows is the golden catalogue of legal packets. Every byte is written
// by hand from the specification; remaining lengths and property lengths are
// counted in the comments.
var goldenRows = []golden{
	// ---- CONNECT -------------------------------------------------------
	{
		name: "connect-v31", versions: v3,
		wire: hx("10 11", // CONNECT, remaining length 17
			str("MQIsdp"), // protocol name (8)
			"03",          // protocol level 3
			"02",          // clean session
			"003c",        // keep alive 60
			str("abc"),    // client identifier (5)
		),
		pkt:  &codec.Connect{ProtocolName: "MQIsdp", ProtocolVersion: codec.V31, CleanStart: true, KeepAlive: 60, ClientID: "abc"},
		refs: refs("[MQTT-3.1.3-3]", "§3.1.2.1"),
	},
	{
		name: "connect-v311-empty-clientid", versions: v4,
		wire: hx("10 0c", str("MQTT"), "04", "02", "0000", str("")),
		pkt:  &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V311, CleanStart: true, ClientID: ""},
		refs: refs("[MQTT-3.1.3-3]", "[MQTT-3.1.3-6]", "[MQTT-3.1.3-7]"),
	},
	{
		name: "connect-v311-will-user-password", versions: v4,
		wire: hx("10 1f", // remaining length 31
			str("MQTT"), "04",
			"ee",        // user name, password, will retain, will QoS 1, will flag, clean session
			"001e",      // keep alive 30
			str("c1"),   // client identifier (4)
			str("w/t"),  // will topic (5)
			str("bye"),  // will message (5)
			str("u"),    // user name (3)
			"0002 0102", // password (4)
		),
		pkt: &codec.Connect{
			ProtocolName: "MQTT", ProtocolVersion: codec.V311, CleanStart: true, KeepAlive: 30, ClientID: "c1",
			Will:     &codec.Will{QoS: 1, Retain: true, Topic: "w/t", Payload: []byte("bye")},
			Username: codec.Ptr("u"), Password: []byte{1, 2},
		},
		refs: refs("[MQTT-3.1.2-9]", "[MQTT-3.1.2-14]", "[MQTT-3.1.2-19]", "[MQTT-3.1.2-21]", "[MQTT-3.1.3-1]", "[MQTT-3.1.3-10]", "[MQTT-3.1.3-11]"),
	},
	{
		name: "connect-v311-will-qos2-empty-message-empty-username", versions: v4,
		wire: hx("10 14", // remaining length 20
			str("MQTT"), "04",
			"94",     // user name, will QoS 2, will flag; clean session 0
			"0000",   // keep alive 0
			str("c"), // client identifier (3)
			str("t"), // will topic (3)
			str(""),  // will message, empty (2)
			str(""),  // user name, empty (2)
		),
		pkt: &codec.Connect{
			ProtocolName: "MQTT", ProtocolVersion: codec.V311, ClientID: "c",
			Will:     &codec.Will{QoS: 2, Topic: "t", Payload: []byte{}},
			Username: codec.Ptr(""),
		},
		refs: refs("[MQTT-3.1.2-14]", "[MQTT-3.1.2-19]", "[MQTT-3.1.2-20]"),
	},
	{
		name: "connect-v5-minimal", versions: v5,
		wire: hx("10 0d", str("MQTT"), "05", "02", "003c", "00", str("")),
		pkt:  &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V5, CleanStart: true, KeepAlive: 60},
		refs: refs("[MQTT-3.1.2-1]", "[MQTT-2.2.2-1]", "[MQTT-3.1.3-3]", "[MQTT-3.1.3-6]"),
	},
	{
		name: "connect-v5-all-properties", versions: v5,
		wire: hx("10 75", // remaining length 117 = 56 variable header + 61 payload
			str("MQTT"), "05",
			"f6",             // user name, password, will retain, will QoS 2, will flag, clean start
			"003c",           // keep alive 60
			"2d",             // property length 45, properties in ascending identifier order:
			"11 00000e10",    // session expiry interval 3600 (5)
			"15", str("tok"), // authentication method (6)
			"16 0002 abcd",           // authentication data (5)
			"17 00",                  // request problem information 0 (2)
			"19 01",                  // request response information 1 (2)
			"21 0014",                // receive maximum 20 (3)
			"22 000a",                // topic alias maximum 10 (3)
			"26", str("a"), str("1"), // user property a=1 (7)
			"26", str("a"), str("2"), // user property a=2, same name kept in order (7)
			"27 00001000", // maximum packet size 4096 (5)
			// payload
			str("cid"),              // client identifier (5)
			"2b",                    // will property length 43
			"01 01",                 // payload format indicator 1 (2)
			"02 00000078",           // message expiry interval 120 (5)
			"03", str("text/plain"), // content type (13)
			"08", str("r/t"), // response topic (6)
			"09 0002 0102",           // correlation data (5)
			"18 00000005",            // will delay interval 5 (5)
			"26", str("k"), str("v"), // user property (7)
			str("w"), // will topic (3)
			str("x"), // will payload (3)
			str("u"), // user name (3)
			str("p"), // password (3)
		),
		pkt: &codec.Connect{
			ProtocolName: "MQTT", ProtocolVersion: codec.V5, CleanStart: true, KeepAlive: 60,
			Properties: codec.Properties{
				SessionExpiry:       codec.Ptr(uint32(3600)),
				AuthMethod:          codec.Ptr("tok"),
				AuthData:            []byte{0xab, 0xcd},
				RequestProblemInfo:  codec.Ptr(byte(0)),
				RequestResponseInfo: codec.Ptr(byte(1)),
				ReceiveMaximum:      codec.Ptr(uint16(20)),
				TopicAliasMaximum:   codec.Ptr(uint16(10)),
				User:                []codec.UserProperty{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}},
				MaximumPacketSize:   codec.Ptr(uint32(4096)),
			},
			ClientID: "cid",
			Will: &codec.Will{
				QoS: 2, Retain: true, Topic: "w", Payload: []byte("x"),
				Properties: codec.Properties{
					PayloadFormat:   codec.Ptr(byte(1)),
					MessageExpiry:   codec.Ptr(uint32(120)),
					ContentType:     codec.Ptr("text/plain"),
					ResponseTopic:   codec.Ptr("r/t"),
					CorrelationData: []byte{1, 2},
					WillDelay:       codec.Ptr(uint32(5)),
					User:            []codec.UserProperty{{Key: "k", Value: "v"}},
				},
			},
			Username: codec.Ptr("u"),
			Password: []byte("p"),
		},
		refs: refs("[MQTT-3.1.2-9]", "[MQTT-3.1.2-12]", "[MQTT-3.1.2-15]", "[MQTT-3.1.2-17]", "[MQTT-3.1.2-19]",
			"[MQTT-3.1.3-1]", "[MQTT-3.1.3-10]", "[MQTT-3.1.3-11]", "[MQTT-3.1.3-12]", "[MQTT-1.5.7-1]"),
	},
	{
		name: "connect-v5-password-without-username", versions: v5,
		wire: hx("10 10", str("MQTT"), "05", "42", "0000", "00", str(""), str("p")),
		pkt:  &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V5, CleanStart: true, Password: []byte("p")},
		refs: refs("[MQTT-3.1.2-16]", "[MQTT-3.1.2-19]", "§3.1.2.9"),
	},

	// ---- CONNACK -------------------------------------------------------
	{
		name: "connack-v3-accepted", versions: v34,
		wire: hx("20 02 00 00"),
		pkt:  &codec.Connack{ReasonCode: codec.ConnackV3Accepted},
		refs: refs("[MQTT-3.2.0-1]", "[MQTT-3.1.4-4]"),
	},
	{
		name: "connack-v311-session-present", versions: v4,
		wire: hx("20 02 01 00"),
		pkt:  &codec.Connack{SessionPresent: true},
		refs: refs("[MQTT-3.2.2-2]"),
	},
	{
		name: "connack-v3-not-authorized", versions: v34,
		wire: hx("20 02 00 05"),
		pkt:  &codec.Connack{ReasonCode: codec.ConnackV3NotAuthorized},
		refs: refs("[MQTT-3.2.2-4]", "[MQTT-3.2.2-5]"),
	},
	{
		name: "connack-v5-minimal", versions: v5,
		wire: hx("20 03 00 00 00"),
		pkt:  &codec.Connack{},
		refs: refs("[MQTT-2.2.2-1]", "[MQTT-3.2.0-1]"),
	},
	{
		name: "connack-v5-session-present", versions: v5,
		wire: hx("20 03 01 00 00"),
		pkt:  &codec.Connack{SessionPresent: true},
		refs: refs("[MQTT-3.2.2-3]"),
	},
	{
		name: "connack-v5-refused", versions: v5,
		wire: hx("20 03 00 87 00"),
		pkt:  &codec.Connack{ReasonCode: codec.NotAuthorized},
		refs: refs("[MQTT-3.2.2-6]", "[MQTT-3.2.2-8]"),
	},
	{
		name: "connack-v5-all-properties", versions: v5,
		wire: hx("20 48", // remaining length 72 = flags + reason + property length + 69
			"00 00",         // no session, success
			"45",            // property length 69
			"11 00000078",   // session expiry interval 120 (5)
			"12", str("id"), // assigned client identifier (5)
			"13 001e",        // server keep alive 30 (3)
			"15", str("tok"), // authentication method (6)
			"16 0001 ff",      // authentication data (4)
			"1a", str("resp"), // response information (7)
			"1c", str("srv"), // server reference (6)
			"1f", str("ok"), // reason string (5)
			"21 000a",                // receive maximum 10 (3)
			"22 0005",                // topic alias maximum 5 (3)
			"24 01",                  // maximum QoS 1 (2)
			"25 00",                  // retain available 0 (2)
			"26", str("a"), str("b"), // user property (7)
			"27 00010000", // maximum packet size 65536 (5)
			"28 00",       // wildcard subscription available 0 (2)
			"29 00",       // subscription identifiers available 0 (2)
			"2a 01",       // shared subscription available 1 (2)
		),
		pkt: &codec.Connack{Properties: codec.Properties{
			SessionExpiry:        codec.Ptr(uint32(120)),
			AssignedClientID:     codec.Ptr("id"),
			ServerKeepAlive:      codec.Ptr(uint16(30)),
			AuthMethod:           codec.Ptr("tok"),
			AuthData:             []byte{0xff},
			ResponseInfo:         codec.Ptr("resp"),
			ServerReference:      codec.Ptr("srv"),
			ReasonString:         codec.Ptr("ok"),
			ReceiveMaximum:       codec.Ptr(uint16(10)),
			TopicAliasMaximum:    codec.Ptr(uint16(5)),
			MaximumQoS:           codec.Ptr(byte(1)),
			RetainAvailable:      codec.Ptr(byte(0)),
			User:                 []codec.UserProperty{{Key: "a", Value: "b"}},
			MaximumPacketSize:    codec.Ptr(uint32(65536)),
			WildcardSubAvailable: codec.Ptr(byte(0)),
			SubIDAvailable:       codec.Ptr(byte(0)),
			SharedSubAvailable:   codec.Ptr(byte(1)),
		}},
		refs: refs("[MQTT-3.2.2-9]", "[MQTT-3.2.2-16]", "[MQTT-3.2.2-21]", "[MQTT-1.5.7-1]"),
	},
	{
		name: "connack-v5-properties-any-order", versions: v5, decodeOnly: true,
		wire: hx("20 0d 00 00 0a",
			"24 00",       // maximum QoS 0
			"13 0005",     // server keep alive 5
			"11 00000001", // session expiry 1 (order on the wire is free)
		),
		pkt: &codec.Connack{Properties: codec.Properties{
			MaximumQoS: codec.Ptr(byte(0)), ServerKeepAlive: codec.Ptr(uint16(5)), SessionExpiry: codec.Ptr(uint32(1)),
		}},
		refs: refs("§2.2.2.2"),
	},

	// ---- PUBLISH -------------------------------------------------------
	{
		name: "publish-v3-qos0", versions: v34,
		wire: hx("30 07", str("a/b"), "6869"),
		pkt:  &codec.Publish{Topic: "a/b", Payload: []byte("hi")},
		refs: refs("[MQTT-2.3.1-5]", "[MQTT-3.3.2-1]", "[MQTT-4.3.1-1]"),
	},
	{
		name: "publish-v3-qos1-retain", versions: v34,
		wire: hx("33 0a", str("a/b"), "000a", "010203"),
		pkt:  &codec.Publish{QoS: 1, Retain: true, Topic: "a/b", PacketID: 10, Payload: []byte{1, 2, 3}},
		refs: refs("[MQTT-2.3.1-1]", "[MQTT-3.3.1-5]", "[MQTT-4.3.2-1]"),
	},
	{
		name: "publish-v3-qos2-dup-empty-payload", versions: v34,
		wire: hx("3c 05", str("t"), "ffff"),
		pkt:  &codec.Publish{Dup: true, QoS: 2, Topic: "t", PacketID: 0xffff, Payload: []byte{}},
		refs: refs("[MQTT-3.3.1-1]", "[MQTT-4.3.3-1]"),
	},
	{
		name: "publish-v5-qos0", versions: v5,
		wire: hx("30 08", str("a/b"), "00", "6869"),
		pkt:  &codec.Publish{Topic: "a/b", Payload: []byte("hi")},
		refs: refs("[MQTT-2.2.1-2]", "[MQTT-2.2.2-1]", "[MQTT-3.3.2-1]", "[MQTT-4.3.1-1]"),
	},
	{
		name: "publish-v5-qos1", versions: v5,
		wire: hx("32 0a", str("a/b"), "0001", "00", "6869"),
		pkt:  &codec.Publish{QoS: 1, Topic: "a/b", PacketID: 1, Payload: []byte("hi")},
		refs: refs("[MQTT-2.2.1-3]", "[MQTT-4.3.2-2]"),
	},
	{
		name: "publish-v5-qos2-retain-dup-empty-payload", versions: v5,
		wire: hx("3d 06", str("t"), "0005", "00"),
		pkt:  &codec.Publish{Dup: true, QoS: 2, Retain: true, Topic: "t", PacketID: 5, Payload: []byte{}},
		refs: refs("[MQTT-3.3.1-1]", "[MQTT-3.3.1-6]", "[MQTT-4.3.3-2]"),
	},
	{
		name: "publish-v5-all-properties", versions: v5,
		wire: hx("32 48", // QoS 1, remaining length 72
			str("s/t"),        // topic (5)
			"002a",            // packet identifier 42
			"3e",              // property length 62
			"01 01",           // payload format indicator (2)
			"02 0000003c",     // message expiry interval 60 (5)
			"03", str("json"), // content type (7)
			"08", str("rep/1"), // response topic (8)
			"09 0003 636964",         // correlation data (6)
			"0b 01",                  // subscription identifier 1 (2)
			"0b 8001",                // subscription identifier 128 (3)
			"0b ffffff7f",            // subscription identifier 268,435,455 (5)
			"23 0007",                // topic alias 7 (3)
			"26", str("b"), str("2"), // user properties in wire order, names repeat (7 each)
			"26", str("a"), str("1"),
			"26", str("b"), str("3"),
			"7b7d", // payload "{}"
		),
		pkt: &codec.Publish{
			QoS: 1, Topic: "s/t", PacketID: 42, Payload: []byte("{}"),
			Properties: codec.Properties{
				PayloadFormat:   codec.Ptr(byte(1)),
				MessageExpiry:   codec.Ptr(uint32(60)),
				ContentType:     codec.Ptr("json"),
				ResponseTopic:   codec.Ptr("rep/1"),
				CorrelationData: []byte("cid"),
				SubscriptionIDs: []uint32{1, 128, 268435455},
				TopicAlias:      codec.Ptr(uint16(7)),
				User:            []codec.UserProperty{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "b", Value: "3"}},
			},
		},
		refs: refs("[MQTT-3.3.2-4]", "[MQTT-3.3.2-13]", "[MQTT-3.3.2-15]", "[MQTT-3.3.2-16]", "[MQTT-3.3.2-17]",
			"[MQTT-3.3.2-18]", "[MQTT-3.3.2-19]", "[MQTT-3.3.4-3]", "[MQTT-3.3.4-4]", "[MQTT-1.5.5-1]"),
	},
	{
		name: "publish-v5-topic-alias-empty-topic", versions: v5,
		wire: hx("30 07", str(""), "03 23 0001", "78"),
		pkt:  &codec.Publish{Topic: "", Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(1))}, Payload: []byte("x")},
		refs: refs("[MQTT-3.3.2-8]", "[MQTT-3.3.2-12]", "§3.3.2.3.4"),
	},
	{
		name: "publish-v5-properties-any-order", versions: v5, decodeOnly: true,
		wire: hx("30 0e", str("t"), "0a",
			"23 0002",     // topic alias 2
			"02 00000009", // message expiry 9
			"01 00",       // payload format 0
		),
		pkt: &codec.Publish{Topic: "t", Payload: []byte{}, Properties: codec.Properties{
			TopicAlias: codec.Ptr(uint16(2)), MessageExpiry: codec.Ptr(uint32(9)), PayloadFormat: codec.Ptr(byte(0)),
		}},
		refs: refs("§2.2.2.2"),
	},
	{
		name: "publish-remaining-length-2-bytes", versions: v34,
		wire: hx("30 c801", str("a/b"), strings.Repeat("61", 195)), // 200 = 0xc8 0x01
		pkt:  &codec.Publish{Topic: "a/b", Payload: bytes.Repeat([]byte("a"), 195)},
		refs: refs("§2.2.3"),
	},
	{
		name: "publish-remaining-length-127", versions: v34,
		wire: hx("30 7f", str("a/b"), strings.Repeat("62", 122)), // largest 1-byte length
		pkt:  &codec.Publish{Topic: "a/b", Payload: bytes.Repeat([]byte("b"), 122)},
		refs: refs("§2.2.3"),
	},
	{
		name: "publish-v5-remaining-length-3-bytes", versions: v5,
		wire: hx("30 808001", str("a/b"), "00", strings.Repeat("63", 16378)), // 16384 = 0x80 0x80 0x01
		pkt:  &codec.Publish{Topic: "a/b", Payload: bytes.Repeat([]byte("c"), 16378)},
		refs: refs("[MQTT-1.5.5-1]"),
	},

	// ---- PUBACK, PUBREC, PUBREL, PUBCOMP -------------------------------
	// The v3 form is also the v5 short form (Remaining Length 2 = success).
	{
		name: "puback-short", versions: v345,
		wire: hx("40 02 0001"),
		pkt:  &codec.Puback{PacketID: 1},
		refs: refs("[MQTT-2.2.1-5]", "[MQTT-2.3.1-6]", "[MQTT-4.3.2-4]", "§3.4.2.1"),
	},
	{
		name: "puback-v5-reason", versions: v5,
		wire: hx("40 03 0002 10"),
		pkt:  &codec.Puback{PacketID: 2, ReasonCode: codec.NoMatchingSubscribers},
		refs: refs("[MQTT-3.4.2-1]", "§3.4.2.1"),
	},
	{
		name: "puback-v5-properties", versions: v5,
		wire: hx("40 11", "0003", "80", "0d", "1f", str("bad"), "26", str("k"), str("v")),
		pkt: &codec.Puback{PacketID: 3, ReasonCode: codec.UnspecifiedError, Properties: codec.Properties{
			ReasonString: codec.Ptr("bad"), User: []codec.UserProperty{{Key: "k", Value: "v"}},
		}},
		refs: refs("[MQTT-3.4.2-1]", "[MQTT-4.4.0-2]"),
	},
	{
		name: "puback-v5-success-with-properties", versions: v5,
		wire: hx("40 08 0004 00 04 1f", str("x")),
		pkt:  &codec.Puback{PacketID: 4, Properties: codec.Properties{ReasonString: codec.Ptr("x")}},
		refs: refs("[MQTT-3.4.2-1]"),
	},
	{
		name: "puback-v5-explicit-success", versions: v5, decodeOnly: true,
		wire: hx("40 04 0001 00 00"),
		pkt:  &codec.Puback{PacketID: 1},
		refs: refs("§3.4.2.1", "§3.4.2.2"),
	},
	{
		name: "puback-v5-reason-no-property-length", versions: v5, decodeOnly: true,
		wire: hx("40 03 0001 00"),
		pkt:  &codec.Puback{PacketID: 1},
		refs: refs("§3.4.2.2"),
	},
	{
		name: "pubrec-short", versions: v345,
		wire: hx("50 02 abcd"),
		pkt:  &codec.Pubrec{PacketID: 0xabcd},
		refs: refs("[MQTT-2.2.1-5]", "[MQTT-4.3.3-8]", "[MQTT-4.3.3-2]"),
	},
	{
		name: "pubrec-v5-reason", versions: v5,
		wire: hx("50 03 0001 91"),
		pkt:  &codec.Pubrec{PacketID: 1, ReasonCode: codec.PacketIdentifierInUse},
		refs: refs("[MQTT-3.5.2-1]"),
	},
	{
		name: "pubrec-v5-properties", versions: v5,
		wire: hx("50 0b", "0001", "10", "07", "26", str("a"), str("b")),
		pkt: &codec.Pubrec{PacketID: 1, ReasonCode: codec.NoMatchingSubscribers, Properties: codec.Properties{
			User: []codec.UserProperty{{Key: "a", Value: "b"}},
		}},
		refs: refs("[MQTT-3.5.2-1]"),
	},
	{
		name: "pubrel-short", versions: v345,
		wire: hx("62 02 0007"),
		pkt:  &codec.Pubrel{PacketID: 7},
		refs: refs("[MQTT-3.6.1-1]", "[MQTT-4.3.3-4]"),
	},
	{
		name: "pubrel-v5-reason", versions: v5,
		wire: hx("62 03 0007 92"),
		pkt:  &codec.Pubrel{PacketID: 7, ReasonCode: codec.PacketIdentifierNotFound},
		refs: refs("[MQTT-3.6.1-1]", "[MQTT-3.6.2-1]"),
	},
	{
		name: "pubrel-v5-properties", versions: v5,
		wire: hx("62 09", "0007", "92", "05", "1f", str("no")),
		pkt: &codec.Pubrel{PacketID: 7, ReasonCode: codec.PacketIdentifierNotFound, Properties: codec.Properties{
			ReasonString: codec.Ptr("no"),
		}},
		refs: refs("[MQTT-3.6.2-1]"),
	},
	{
		name: "pubcomp-short", versions: v345,
		wire: hx("70 02 0008"),
		pkt:  &codec.Pubcomp{PacketID: 8},
		refs: refs("[MQTT-4.3.3-11]"),
	},
	{
		name: "pubcomp-v5-reason", versions: v5,
		wire: hx("70 03 0008 92"),
		pkt:  &codec.Pubcomp{PacketID: 8, ReasonCode: codec.PacketIdentifierNotFound},
		refs: refs("[MQTT-3.7.2-1]"),
	},
	{
		name: "pubcomp-v5-properties", versions: v5,
		wire: hx("70 0e", "0008", "00", "0a", "1f", str("ok"), "26", str(""), str("")),
		pkt: &codec.Pubcomp{PacketID: 8, Properties: codec.Properties{
			ReasonString: codec.Ptr("ok"), User: []codec.UserProperty{{Key: "", Value: ""}},
		}},
		refs: refs("[MQTT-3.7.2-1]", "[MQTT-1.5.7-1]"),
	},

	// ---- SUBSCRIBE -----------------------------------------------------
	{
		name: "subscribe-v3", versions: v34,
		wire: hx("82 0c", "000a", str("a/b"), "01", str("#"), "02"),
		pkt: &codec.Subscribe{PacketID: 10, Subscriptions: []codec.Subscription{
			{Filter: "a/b", QoS: 1}, {Filter: "#", QoS: 2},
		}},
		refs: refs("[MQTT-3.8.1-1]", "[MQTT-2.3.1-1]", "[MQTT-3.8.3-1]", "[MQTT-3.8.3-3]"),
	},
	{
		name: "subscribe-v5-minimal", versions: v5,
		wire: hx("82 07", "0001", "00", str("#"), "00"),
		pkt:  &codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "#"}}},
		refs: refs("[MQTT-3.8.1-1]", "[MQTT-2.2.2-1]", "[MQTT-3.8.3-2]"),
	},
	{
		name: "subscribe-v5-options-and-properties", versions: v5,
		wire: hx("82 1f", // remaining length 31
			"000b",                   // packet identifier 11
			"09",                     // property length 9
			"0b 05",                  // subscription identifier 5 (2)
			"26", str("k"), str("v"), // user property (7)
			str("a/+"), "2e", // QoS 2, no local, retain as published, retain handling 2 (6)
			str("$share/g/x"), "11", // QoS 1, retain handling 1 (13)
		),
		pkt: &codec.Subscribe{
			PacketID: 11,
			Properties: codec.Properties{
				SubscriptionIDs: []uint32{5},
				User:            []codec.UserProperty{{Key: "k", Value: "v"}},
			},
			Subscriptions: []codec.Subscription{
				{Filter: "a/+", QoS: 2, NoLocal: true, RetainAsPublished: true, RetainHandling: 2},
				{Filter: "$share/g/x", QoS: 1, RetainHandling: 1},
			},
		},
		refs: refs("[MQTT-3.8.3-1]", "[MQTT-3.8.3-2]", "[MQTT-4.8.2-1]", "[MQTT-4.8.2-2]", "[MQTT-4.7.1-2]"),
	},

	// ---- SUBACK --------------------------------------------------------
	{
		name: "suback-v31", versions: v3,
		wire: hx("90 04 000a 00 01"),
		pkt:  &codec.Suback{PacketID: 10, ReasonCodes: []codec.ReasonCode{0, 1}},
		refs: refs("§3.9.3"),
	},
	{
		name: "suback-v311-failure", versions: v4,
		wire: hx("90 05 000a 01 02 80"),
		pkt:  &codec.Suback{PacketID: 10, ReasonCodes: []codec.ReasonCode{codec.GrantedQoS1, codec.GrantedQoS2, 0x80}},
		refs: refs("[MQTT-2.3.1-7]", "[MQTT-3.8.4-5]", "[MQTT-3.9.3-1]", "[MQTT-3.9.3-2]"),
	},
	{
		name: "suback-v5-minimal", versions: v5,
		wire: hx("90 04 0001 00 00"),
		pkt:  &codec.Suback{PacketID: 1, ReasonCodes: []codec.ReasonCode{codec.GrantedQoS0}},
		refs: refs("[MQTT-2.2.1-6]", "[MQTT-3.8.4-6]"),
	},
	{
		name: "suback-v5-properties", versions: v5,
		wire: hx("90 0d", "000b", "05 1f", str("no"), "00 01 02 87 a2"),
		pkt: &codec.Suback{PacketID: 11, Properties: codec.Properties{ReasonString: codec.Ptr("no")},
			ReasonCodes: []codec.ReasonCode{codec.GrantedQoS0, codec.GrantedQoS1, codec.GrantedQoS2, codec.NotAuthorized, codec.WildcardSubscriptionsNotSupported}},
		refs: refs("[MQTT-3.9.3-1]", "[MQTT-3.9.3-2]", "[MQTT-3.8.4-7]"),
	},

	// ---- UNSUBSCRIBE ---------------------------------------------------
	{
		name: "unsubscribe-v3", versions: v34,
		wire: hx("a2 0a", "000c", str("a/b"), str("#")),
		pkt:  &codec.Unsubscribe{PacketID: 12, Filters: []string{"a/b", "#"}},
		refs: refs("[MQTT-3.10.1-1]", "[MQTT-3.10.3-1]", "[MQTT-3.10.3-2]"),
	},
	{
		name: "unsubscribe-v5", versions: v5,
		wire: hx("a2 0f", "000d", "07 26", str("k"), str("v"), str("a/+")),
		pkt: &codec.Unsubscribe{PacketID: 13, Properties: codec.Properties{User: []codec.UserProperty{{Key: "k", Value: "v"}}},
			Filters: []string{"a/+"}},
		refs: refs("[MQTT-3.10.1-1]", "[MQTT-3.10.3-1]", "[MQTT-3.10.3-2]"),
	},

	// ---- UNSUBACK ------------------------------------------------------
	{
		name: "unsuback-v3", versions: v34,
		wire: hx("b0 02 000c"),
		pkt:  &codec.Unsuback{PacketID: 12},
		refs: refs("[MQTT-2.3.1-7]", "[MQTT-3.10.4-4]"),
	},
	{
		name: "unsuback-v5", versions: v5,
		wire: hx("b0 06 000d 00 00 11 87"),
		pkt:  &codec.Unsuback{PacketID: 13, ReasonCodes: []codec.ReasonCode{codec.Success, codec.NoSubscriptionExisted, codec.NotAuthorized}},
		refs: refs("[MQTT-2.2.1-6]", "[MQTT-3.11.3-1]", "[MQTT-3.11.3-2]"),
	},
	{
		name: "unsuback-v5-reason-string", versions: v5,
		wire: hx("b0 09 000d 05 1f", str("ok"), "00"),
		pkt:  &codec.Unsuback{PacketID: 13, Properties: codec.Properties{ReasonString: codec.Ptr("ok")}, ReasonCodes: []codec.ReasonCode{codec.Success}},
		refs: refs("[MQTT-3.11.3-1]"),
	},

	// ---- PINGREQ, PINGRESP ---------------------------------------------
	{
		name: "pingreq", versions: v345,
		wire: hx("c0 00"),
		pkt:  &codec.Pingreq{},
		refs: refs("[MQTT-3.1.2-20]", "[MQTT-3.1.2-23]"),
	},
	{
		name: "pingresp", versions: v345,
		wire: hx("d0 00"),
		pkt:  &codec.Pingresp{},
		refs: refs("[MQTT-3.12.4-1]"),
	},

	// ---- DISCONNECT ----------------------------------------------------
	{
		name: "disconnect-short", versions: v345,
		wire: hx("e0 00"),
		pkt:  &codec.Disconnect{},
		refs: refs("[MQTT-3.14.1-1]", "[MQTT-3.14.4-3]", "§3.14.2.1"),
	},
	{
		name: "disconnect-v5-reason", versions: v5,
		wire: hx("e0 01 04"),
		pkt:  &codec.Disconnect{ReasonCode: codec.DisconnectWithWill},
		refs: refs("[MQTT-3.14.2-1]"),
	},
	{
		name: "disconnect-v5-server-moved", versions: v5,
		wire: hx("e0 14", "9c", "12", "1c", str("srv"), "1f", str("go"), "26", str("a"), str("b")),
		pkt: &codec.Disconnect{ReasonCode: codec.UseAnotherServer, Properties: codec.Properties{
			ServerReference: codec.Ptr("srv"), ReasonString: codec.Ptr("go"), User: []codec.UserProperty{{Key: "a", Value: "b"}},
		}},
		refs: refs("[MQTT-3.14.2-1]", "§3.14.2.2.5"),
	},
	{
		name: "disconnect-v5-session-expiry", versions: v5,
		wire: hx("e0 07", "00", "05", "11 00000e10"),
		pkt:  &codec.Disconnect{Properties: codec.Properties{SessionExpiry: codec.Ptr(uint32(3600))}},
		refs: refs("[MQTT-3.14.2-1]", "§3.14.2.2.2"),
	},
	{
		name: "disconnect-v5-explicit-normal", versions: v5, decodeOnly: true,
		wire: hx("e0 01 00"),
		pkt:  &codec.Disconnect{},
		refs: refs("§3.14.2.1"),
	},
	{
		name: "disconnect-v5-explicit-empty-properties", versions: v5, decodeOnly: true,
		wire: hx("e0 02 00 00"),
		pkt:  &codec.Disconnect{},
		refs: refs("§3.14.2.2.1"),
	},

	// ---- AUTH ----------------------------------------------------------
	{
		name: "auth-v5-short", versions: v5,
		wire: hx("f0 00"),
		pkt:  &codec.Auth{},
		refs: refs("[MQTT-3.15.1-1]", "§3.15.2.1"),
	},
	{
		name: "auth-v5-continue", versions: v5,
		wire: hx("f0 0d", "18", "0b", "15", str("tok"), "16 0002 0102"),
		pkt: &codec.Auth{ReasonCode: codec.ContinueAuthentication, Properties: codec.Properties{
			AuthMethod: codec.Ptr("tok"), AuthData: []byte{1, 2},
		}},
		refs: refs("[MQTT-3.15.1-1]", "[MQTT-3.15.2-1]", "[MQTT-4.12.0-2]", "[MQTT-4.12.0-5]"),
	},
	{
		name: "auth-v5-reauthenticate", versions: v5,
		wire: hx("f0 0c", "19", "0a", "15", str("tok"), "1f", str("r")),
		pkt: &codec.Auth{ReasonCode: codec.ReAuthenticate, Properties: codec.Properties{
			AuthMethod: codec.Ptr("tok"), ReasonString: codec.Ptr("r"),
		}},
		refs: refs("[MQTT-3.15.2-1]", "[MQTT-4.12.1-1]"),
	},
	{
		name: "auth-v5-explicit-success", versions: v5, decodeOnly: true,
		wire: hx("f0 02 00 00"),
		pkt:  &codec.Auth{},
		refs: refs("§3.15.2.1", "§3.15.2.2.1"),
	},
}
