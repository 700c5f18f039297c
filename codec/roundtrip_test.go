// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"reflect"
	"testing"
)

// connectProps and its siblings set every property a packet may carry,
// for round trips.
func connectProps() Properties {
	return Properties{
		SessionExpiry: Ptr(uint32(3600)), AuthMethod: Ptr("SCRAM"), AuthData: []byte{1, 2},
		RequestProblemInfo: Ptr(byte(0)), RequestResponseInfo: Ptr(byte(1)),
		ReceiveMaximum: Ptr(uint16(20)), TopicAliasMaximum: Ptr(uint16(10)),
		MaximumPacketSize: Ptr(uint32(1 << 20)),
		User:              []UserProperty{{"k", "v"}, {"k", "v2"}},
	}
}

func willProps() Properties {
	return Properties{
		PayloadFormat: Ptr(byte(1)), MessageExpiry: Ptr(uint32(9)), ContentType: Ptr("text/plain"),
		ResponseTopic: Ptr("resp/x"), CorrelationData: []byte("cd"), WillDelay: Ptr(uint32(5)),
		User: []UserProperty{{"a", "b"}},
	}
}

func connackProps() Properties {
	return Properties{
		SessionExpiry: Ptr(uint32(0)), AssignedClientID: Ptr("auto-1"), ServerKeepAlive: Ptr(uint16(30)),
		AuthMethod: Ptr("SCRAM"), AuthData: []byte{9}, ResponseInfo: Ptr("ri"), ServerReference: Ptr("other:1883"),
		ReasonString: Ptr("ok"), ReceiveMaximum: Ptr(uint16(100)), TopicAliasMaximum: Ptr(uint16(5)),
		MaximumQoS: Ptr(byte(1)), RetainAvailable: Ptr(byte(0)), MaximumPacketSize: Ptr(uint32(4096)),
		WildcardSubAvailable: Ptr(byte(1)), SubIDAvailable: Ptr(byte(1)), SharedSubAvailable: Ptr(byte(0)),
		User: []UserProperty{{"x", "y"}},
	}
}

func publishProps() Properties {
	return Properties{
		PayloadFormat: Ptr(byte(0)), MessageExpiry: Ptr(uint32(60)), ContentType: Ptr("application/json"),
		ResponseTopic: Ptr("reply/1"), CorrelationData: []byte{0xde, 0xad}, SubscriptionIDs: []uint32{1, 268435455},
		TopicAlias: Ptr(uint16(3)), User: []UserProperty{{"u", "1"}, {"u", "2"}},
	}
}

func ackProps() Properties {
	return Properties{ReasonString: Ptr("because"), User: []UserProperty{{"k", "v"}}}
}

type roundTrip struct {
	name     string
	versions []Version
	p        Packet
}

var (
	allVersions = []Version{V31, V311, V5}
	v3Versions  = []Version{V31, V311}
	v5Only      = []Version{V5}
)

func roundTrips() []roundTrip {
	user := "alice"
	return []roundTrip{
		{"connect minimal v3.1", []Version{V31}, &Connect{ProtocolName: "MQIsdp", ProtocolVersion: V31, CleanStart: true, KeepAlive: 60, ClientID: "c1"}},
		{"connect minimal v3.1.1", []Version{V311}, &Connect{ProtocolName: "MQTT", ProtocolVersion: V311, KeepAlive: 60, ClientID: ""}},
		{"connect full v3.1.1", []Version{V311}, &Connect{ProtocolName: "MQTT", ProtocolVersion: V311, CleanStart: true, KeepAlive: 10, ClientID: "c1",
			Will: &Will{QoS: 2, Retain: true, Topic: "will/t", Payload: []byte("bye")}, Username: &user, Password: []byte("pw")}},
		{"connect full v5", v5Only, &Connect{ProtocolName: "MQTT", ProtocolVersion: V5, CleanStart: true, KeepAlive: 10, ClientID: "c1",
			Properties: connectProps(),
			Will:       &Will{QoS: 1, Topic: "will/t", Payload: []byte("bye"), Properties: willProps()}, Username: &user, Password: []byte("pw")}},
		// In v5 a password without a user name is allowed (section 3.1.2.9).
		{"connect v5 password only", v5Only, &Connect{ProtocolName: "MQTT", ProtocolVersion: V5, ClientID: "c", Password: []byte{}}},
		{"connack v3", v3Versions, &Connack{}},
		{"connack v3.1.1 session present", []Version{V311}, &Connack{SessionPresent: true}},
		{"connack v3 refused", v3Versions, &Connack{ReasonCode: ConnackV3NotAuthorized}},
		{"connack v5", v5Only, &Connack{SessionPresent: true, Properties: connackProps()}},
		{"connack v5 refused", v5Only, &Connack{ReasonCode: BadAuthenticationMethod}},
		{"publish qos0", allVersions, &Publish{Topic: "a/b", Payload: []byte("x")}},
		{"publish qos1 dup retain", allVersions, &Publish{Dup: true, QoS: 1, Retain: true, Topic: "a/b", PacketID: 1, Payload: []byte("xyz")}},
		{"publish qos2", allVersions, &Publish{QoS: 2, Topic: "\uFEFFbom", PacketID: 65535, Payload: []byte{0}}},
		{"publish v5 props", v5Only, &Publish{QoS: 1, Topic: "a", PacketID: 9, Properties: publishProps(), Payload: []byte("p")}},
		{"publish v5 payload format 56", v5Only, &Publish{Topic: "a", Properties: Properties{PayloadFormat: Ptr(byte(56))}, Payload: []byte{0xff}}}, // kept unaltered [MQTT-3.3.2-4]
		{"publish v5 alias only", v5Only, &Publish{Topic: "", Properties: Properties{TopicAlias: Ptr(uint16(1))}, Payload: []byte("p")}},
		{"puback", allVersions, &Puback{PacketID: 1}},
		{"puback v5 code", v5Only, &Puback{PacketID: 1, ReasonCode: NoMatchingSubscribers}},
		{"puback v5 props", v5Only, &Puback{PacketID: 1, ReasonCode: QuotaExceeded, Properties: ackProps()}},
		{"puback v5 success props", v5Only, &Puback{PacketID: 1, Properties: ackProps()}},
		{"pubrec", allVersions, &Pubrec{PacketID: 2}},
		{"pubrec v5", v5Only, &Pubrec{PacketID: 2, ReasonCode: PayloadFormatInvalid, Properties: ackProps()}},
		{"pubrel", allVersions, &Pubrel{PacketID: 3}},
		{"pubrel v5", v5Only, &Pubrel{PacketID: 3, ReasonCode: PacketIdentifierNotFound}},
		{"pubcomp", allVersions, &Pubcomp{PacketID: 4}},
		{"pubcomp v5", v5Only, &Pubcomp{PacketID: 4, ReasonCode: PacketIdentifierNotFound, Properties: ackProps()}},
		{"subscribe", allVersions, &Subscribe{PacketID: 5, Subscriptions: []Subscription{{Filter: "a/+", QoS: 1}, {Filter: "#", QoS: 2}}}},
		{"subscribe v5", v5Only, &Subscribe{PacketID: 5,
			Properties: Properties{SubscriptionIDs: []uint32{42}, User: []UserProperty{{"k", "v"}}},
			Subscriptions: []Subscription{
				{Filter: "a/+", QoS: 1, NoLocal: true, RetainAsPublished: true, RetainHandling: 2},
				{Filter: "$share/g/x/#", QoS: 0, RetainHandling: 1},
			}}},
		{"suback", allVersions, &Suback{PacketID: 5, ReasonCodes: []ReasonCode{GrantedQoS1, GrantedQoS2, GrantedQoS0}}},
		{"suback v3.1.1 failure", []Version{V311, V5}, &Suback{PacketID: 5, ReasonCodes: []ReasonCode{UnspecifiedError}}},
		{"suback v5", v5Only, &Suback{PacketID: 5, Properties: ackProps(), ReasonCodes: []ReasonCode{TopicFilterInvalid, WildcardSubscriptionsNotSupported}}},
		{"unsubscribe", allVersions, &Unsubscribe{PacketID: 6, Filters: []string{"a/b", "c/#"}}},
		{"unsubscribe v5", v5Only, &Unsubscribe{PacketID: 6, Properties: Properties{User: []UserProperty{{"k", ""}}}, Filters: []string{"a"}}},
		{"unsuback v3", v3Versions, &Unsuback{PacketID: 6}},
		{"unsuback v5", v5Only, &Unsuback{PacketID: 6, Properties: ackProps(), ReasonCodes: []ReasonCode{Success, NoSubscriptionExisted}}},
		{"pingreq", allVersions, &Pingreq{}},
		{"pingresp", allVersions, &Pingresp{}},
		{"disconnect", allVersions, &Disconnect{}},
		{"disconnect v5 code", v5Only, &Disconnect{ReasonCode: DisconnectWithWill}},
		{"disconnect v5 props", v5Only, &Disconnect{ReasonCode: ServerMoved,
			Properties: Properties{SessionExpiry: Ptr(uint32(1)), ServerReference: Ptr("b:1883"), ReasonString: Ptr("moved"), User: []UserProperty{{"a", "b"}}}}},
		{"auth empty", v5Only, &Auth{}},
		{"auth continue", v5Only, &Auth{ReasonCode: ContinueAuthentication,
			Properties: Properties{AuthMethod: Ptr("SCRAM"), AuthData: []byte("data"), ReasonString: Ptr("r"), User: []UserProperty{{"a", "b"}}}}},
	}
}

// TestRoundTrip encodes every packet at every version it exists in,
// decodes the bytes and compares, then re-encodes and compares the bytes.
func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTrips() {
		for _, v := range tc.versions {
			t.Run(tc.name+"/"+string('0'+byte(v)), func(t *testing.T) {
				wire, err := Append(nil, tc.p, v)
				if err != nil {
					t.Fatalf("Append: %v", err)
				}
				got, err := decodeFrame(t, wire, v)
				if err != nil {
					t.Fatalf("decode %x: %v", wire, err)
				}
				if !reflect.DeepEqual(got, tc.p) {
					t.Fatalf("decode %x:\n got %#v\nwant %#v", wire, got, tc.p)
				}
				again, err := Append(nil, got, v)
				if err != nil || !bytes.Equal(again, wire) {
					t.Fatalf("re-encode: %x, %v; want %x", again, err, wire)
				}
			})
		}
	}
}

// TestV5OnlyRejectedAtV3 checks that Validate refuses v5-only features
// when encoding for v3.
func TestV5OnlyRejectedAtV3(t *testing.T) {
	for _, p := range []Packet{
		&Publish{Topic: "a", Properties: Properties{MessageExpiry: Ptr(uint32(1))}},
		&Puback{PacketID: 1, ReasonCode: NoMatchingSubscribers},
		&Subscribe{PacketID: 1, Subscriptions: []Subscription{{Filter: "a", NoLocal: true}}},
		&Disconnect{ReasonCode: ServerBusy},
		&Auth{},
		&Connack{ReasonCode: BadAuthenticationMethod},
		&Unsuback{PacketID: 1, ReasonCodes: []ReasonCode{NotAuthorized}},
		&Suback{PacketID: 1, ReasonCodes: []ReasonCode{TopicFilterInvalid}},
	} {
		if err := p.Validate(V311); err == nil {
			t.Errorf("%T %+v validated at v3.1.1", p, p)
		}
	}
}

func TestEncodingOmitsOptionalFields(t *testing.T) {
	for _, tc := range []struct {
		p    Packet
		v    Version
		wire string
	}{
		// Sections 3.4.2.1, 3.14.2.1, 3.15.2.1: reason code and property
		// length may be omitted.
		{&Puback{PacketID: 1}, V5, "40020001"},
		{&Puback{PacketID: 1, ReasonCode: NoMatchingSubscribers}, V5, "4003000110"},
		{&Puback{PacketID: 1, ReasonCode: NoMatchingSubscribers}, V311, "40020001"},
		{&Pubrel{PacketID: 1}, V5, "62020001"},
		{&Disconnect{}, V5, "e000"},
		{&Disconnect{ReasonCode: ServerBusy}, V5, "e00189"},
		{&Auth{}, V5, "f000"},
		{&Auth{ReasonCode: ReAuthenticate}, V5, "f0021900"},
		{&Unsuback{PacketID: 1, ReasonCodes: []ReasonCode{Success}}, V311, "b0020001"},
		{&Connack{SessionPresent: true}, V5, "2003010000"},
		{&Connect{ClientID: "c"}, V31, "100f 00064d5149736470 03 00 0000 000163"},
	} {
		got := tc.p.AppendTo(nil, tc.v)
		if want := unhex(t, tc.wire); !bytes.Equal(got, want) {
			t.Errorf("%T %+v at %d: %x, want %x", tc.p, tc.p, tc.v, got, want)
		}
	}
}
