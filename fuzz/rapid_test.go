// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
	"pgregory.net/rapid"
)

// Runes for generated strings: ASCII, two-, three- and four-byte UTF-8,
// and U+FEFF, which must survive untouched [MQTT-1.5.4-3].
var textRunes = []rune("abcxyzAZ09 -_.é€😀\uFEFF")

func genText(t *rapid.T, label string, minLen, maxLen int) string {
	return rapid.StringOfN(rapid.SampledFrom(textRunes), minLen, maxLen, -1).Draw(t, label)
}

func genBytes(t *rapid.T, label string) []byte {
	return append([]byte{}, rapid.SliceOfN(rapid.Byte(), 0, 16).Draw(t, label)...)
}

// genLevel is one topic level: possibly empty, never a wildcard.
func genLevel(t *rapid.T, label string) string {
	return rapid.StringOfN(rapid.SampledFrom([]rune("ab$é ")), 0, 3, -1).Draw(t, label)
}

// genTopic is a valid topic name: at least one character, empty levels
// allowed, sometimes starting with '$' [MQTT-4.7.3-1].
func genTopic(t *rapid.T, label string) string {
	n := rapid.IntRange(1, 4).Draw(t, label+" levels")
	levels := make([]string, n)
	for i := range levels {
		levels[i] = genLevel(t, label+" level")
	}
	s := strings.Join(levels, "/")
	if rapid.Bool().Draw(t, label+" $") {
		s = "$" + s
	}
	if s == "" {
		s = "a"
	}
	return s
}

// genFilter is a valid topic filter: '+' as whole levels, '#' only last.
func genFilter(t *rapid.T, label string) string {
	n := rapid.IntRange(1, 4).Draw(t, label+" levels")
	levels := make([]string, n)
	for i := range levels {
		if rapid.IntRange(0, 2).Draw(t, label+" wildcard") == 0 {
			levels[i] = "+"
		} else {
			levels[i] = genLevel(t, label+" level")
		}
	}
	if rapid.Bool().Draw(t, label+" #") {
		levels = append(levels, "#")
	}
	s := strings.Join(levels, "/")
	if rapid.Bool().Draw(t, label+" $") && !strings.HasPrefix(s, "+") {
		s = "$" + s
	}
	if s == "" {
		s = "+"
	}
	return s
}

func genVersion(t *rapid.T) codec.Version {
	return rapid.SampledFrom([]codec.Version{codec.V31, codec.V311, codec.V5}).Draw(t, "version")
}

func maybe[T any](t *rapid.T, label string, g *rapid.Generator[T]) *T {
	if rapid.IntRange(0, 2).Draw(t, label+"?") == 0 {
		v := g.Draw(t, label)
		return &v
	}
	return nil
}

func maybeText(t *rapid.T, label string) *string {
	if rapid.IntRange(0, 2).Draw(t, label+"?") == 0 {
		s := genText(t, label, 0, 8)
		return &s
	}
	return nil
}

func maybeBytes(t *rapid.T, label string) []byte {
	if rapid.IntRange(0, 2).Draw(t, label+"?") == 0 {
		return genBytes(t, label)
	}
	return nil
}

func bit(t *rapid.T, label string) *byte { return maybe(t, label, rapid.ByteRange(0, 1)) }

func genUser(t *rapid.T) []codec.UserProperty {
	n := rapid.IntRange(0, 3).Draw(t, "user properties")
	if n == 0 {
		return nil
	}
	u := make([]codec.UserProperty, n)
	for i := range u {
		u[i] = codec.UserProperty{Key: genText(t, "key", 0, 4), Value: genText(t, "value", 0, 4)}
	}
	return u
}

// genProps draws the properties a packet type may carry, each with a
// value the specification allows.
func genProps(t *rapid.T, kind string) codec.Properties {
	var p codec.Properties
	switch kind {
	case "connect":
		p.SessionExpiry = maybe(t, "session expiry", rapid.Uint32())
		p.ReceiveMaximum = maybe(t, "receive maximum", rapid.Uint16Min(1))
		p.MaximumPacketSize = maybe(t, "maximum packet size", rapid.Uint32Min(1))
		p.TopicAliasMaximum = maybe(t, "topic alias maximum", rapid.Uint16())
		p.RequestResponseInfo = bit(t, "request response info")
		p.RequestProblemInfo = bit(t, "request problem info")
		p.AuthMethod = maybeText(t, "auth method")
		if p.AuthMethod != nil {
			p.AuthData = maybeBytes(t, "auth data")
		}
	case "will":
		p.WillDelay = maybe(t, "will delay", rapid.Uint32())
		p.PayloadFormat = bit(t, "payload format")
		p.MessageExpiry = maybe(t, "message expiry", rapid.Uint32())
		p.ContentType = maybeText(t, "content type")
		if rapid.Bool().Draw(t, "response topic?") {
			p.ResponseTopic = codec.Ptr(genTopic(t, "response topic"))
		}
		p.CorrelationData = maybeBytes(t, "correlation data")
	case "connack":
		p.SessionExpiry = maybe(t, "session expiry", rapid.Uint32())
		p.ReceiveMaximum = maybe(t, "receive maximum", rapid.Uint16Min(1))
		p.MaximumQoS = bit(t, "maximum QoS")
		p.RetainAvailable = bit(t, "retain available")
		p.MaximumPacketSize = maybe(t, "maximum packet size", rapid.Uint32Min(1))
		p.AssignedClientID = maybeText(t, "assigned client id")
		p.TopicAliasMaximum = maybe(t, "topic alias maximum", rapid.Uint16())
		p.ReasonString = maybeText(t, "reason string")
		p.WildcardSubAvailable = bit(t, "wildcard available")
		p.SubIDAvailable = bit(t, "subscription ids available")
		p.SharedSubAvailable = bit(t, "shared available")
		p.ServerKeepAlive = maybe(t, "server keep alive", rapid.Uint16())
		p.ResponseInfo = maybeText(t, "response info")
		p.ServerReference = maybeText(t, "server reference")
		p.AuthMethod = maybeText(t, "auth method")
		if p.AuthMethod != nil {
			p.AuthData = maybeBytes(t, "auth data")
		}
	case "publish":
		p.PayloadFormat = bit(t, "payload format")
		p.MessageExpiry = maybe(t, "message expiry", rapid.Uint32())
		p.TopicAlias = maybe(t, "topic alias", rapid.Uint16Min(1))
		if rapid.Bool().Draw(t, "response topic?") {
			p.ResponseTopic = codec.Ptr(genTopic(t, "response topic"))
		}
		p.CorrelationData = maybeBytes(t, "correlation data")
		p.ContentType = maybeText(t, "content type")
		p.SubscriptionIDs = rapid.SliceOfN(rapid.Uint32Range(1, 268435455), 0, 3).Draw(t, "subscription ids")
		if len(p.SubscriptionIDs) == 0 {
			p.SubscriptionIDs = nil
		}
	case "ack":
		p.ReasonString = maybeText(t, "reason string")
	case "subscribe":
		if rapid.Bool().Draw(t, "subscription id?") {
			p.SubscriptionIDs = []uint32{rapid.Uint32Range(1, 268435455).Draw(t, "subscription id")}
		}
	case "unsubscribe":
	case "disconnect":
		p.SessionExpiry = maybe(t, "session expiry", rapid.Uint32())
		p.ReasonString = maybeText(t, "reason string")
		p.ServerReference = maybeText(t, "server reference")
	case "auth":
		p.AuthMethod = codec.Ptr(genText(t, "auth method", 1, 8))
		p.AuthData = maybeBytes(t, "auth data")
		p.ReasonString = maybeText(t, "reason string")
	}
	p.User = genUser(t)
	return p
}

func code(t *rapid.T, label string, codes ...codec.ReasonCode) codec.ReasonCode {
	return rapid.SampledFrom(codes).Draw(t, label)
}

// genPacket draws a valid packet of any type that exists at version v.
func genPacket(t *rapid.T, v codec.Version) codec.Packet {
	v5 := v == codec.V5
	props := func(kind string) codec.Properties {
		if !v5 {
			return codec.Properties{}
		}
		return genProps(t, kind)
	}
	id := func() uint16 { return rapid.Uint16Min(1).Draw(t, "packet id") }
	last := codec.DISCONNECT
	if v5 {
		last = codec.AUTH
	}
	switch typ := codec.Type(rapid.IntRange(int(codec.CONNECT), int(last)).Draw(t, "type")); typ {
	case codec.CONNECT:
		c := &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: v, KeepAlive: rapid.Uint16().Draw(t, "keep alive"),
			CleanStart: rapid.Bool().Draw(t, "clean"), Properties: props("connect")}
		if v == codec.V31 {
			c.ProtocolName = "MQIsdp"
			c.ClientID = rapid.StringMatching(`[a-zA-Z0-9]{1,23}`).Draw(t, "client id")
		} else {
			c.ClientID = genText(t, "client id", 0, 23)
		}
		if c.ClientID == "" {
			c.CleanStart = true // [MQTT-3.1.3-7]
		}
		if rapid.Bool().Draw(t, "will?") {
			c.Will = &codec.Will{QoS: codec.QoS(rapid.IntRange(0, 2).Draw(t, "will QoS")), Retain: rapid.Bool().Draw(t, "will retain"),
				Topic: genTopic(t, "will topic"), Payload: genBytes(t, "will payload"), Properties: props("will")}
		}
		if rapid.Bool().Draw(t, "username?") {
			c.Username = codec.Ptr(genText(t, "username", 0, 8))
		}
		if (c.Username != nil || v5) && rapid.Bool().Draw(t, "password?") { // [MQTT-3.1.2-22]
			c.Password = genBytes(t, "password")
		}
		return c
	case codec.CONNACK:
		c := &codec.Connack{Properties: props("connack")}
		if v5 {
			c.ReasonCode = code(t, "reason", codec.Success, codec.UnspecifiedError, codec.MalformedPacket, codec.NotAuthorized, codec.ServerMoved, codec.UseAnotherServer)
		} else {
			c.ReasonCode = codec.ReasonCode(rapid.IntRange(0, 5).Draw(t, "return code"))
		}
		c.SessionPresent = v != codec.V31 && c.ReasonCode == 0 && rapid.Bool().Draw(t, "session present") // [MQTT-3.2.2-6]
		return c
	case codec.PUBLISH:
		p := &codec.Publish{QoS: codec.QoS(rapid.IntRange(0, 2).Draw(t, "QoS")), Retain: rapid.Bool().Draw(t, "retain"),
			Topic: genTopic(t, "topic"), Payload: genBytes(t, "payload"), Properties: props("publish")}
		if p.QoS > 0 {
			p.PacketID = id()
			p.Dup = rapid.Bool().Draw(t, "dup") // [MQTT-3.3.1-2] only for QoS > 0
		}
		if p.Properties.TopicAlias != nil && rapid.Bool().Draw(t, "empty topic") {
			p.Topic = ""
		}
		return p
	case codec.PUBACK, codec.PUBREC:
		rc := codec.Success
		if v5 {
			rc = code(t, "reason", codec.Success, codec.NoMatchingSubscribers, codec.UnspecifiedError, codec.ImplementationSpecificError,
				codec.NotAuthorized, codec.TopicNameInvalid, codec.PacketIdentifierInUse, codec.QuotaExceeded, codec.PayloadFormatInvalid)
		}
		if typ == codec.PUBACK {
			return &codec.Puback{PacketID: id(), ReasonCode: rc, Properties: props("ack")}
		}
		return &codec.Pubrec{PacketID: id(), ReasonCode: rc, Properties: props("ack")}
	case codec.PUBREL, codec.PUBCOMP:
		rc := codec.Success
		if v5 {
			rc = code(t, "reason", codec.Success, codec.PacketIdentifierNotFound)
		}
		if typ == codec.PUBREL {
			return &codec.Pubrel{PacketID: id(), ReasonCode: rc, Properties: props("ack")}
		}
		return &codec.Pubcomp{PacketID: id(), ReasonCode: rc, Properties: props("ack")}
	case codec.SUBSCRIBE:
		s := &codec.Subscribe{PacketID: id(), Properties: props("subscribe")}
		for range rapid.IntRange(1, 3).Draw(t, "subscriptions") {
			sub := codec.Subscription{Filter: genFilter(t, "filter"), QoS: codec.QoS(rapid.IntRange(0, 2).Draw(t, "QoS"))}
			if v5 {
				if rapid.Bool().Draw(t, "shared") {
					sub.Filter = "$share/" + rapid.StringMatching(`[a-z]{1,4}`).Draw(t, "group") + "/" + sub.Filter
				} else {
					sub.NoLocal = rapid.Bool().Draw(t, "no local") // [MQTT-3.8.3-4]
				}
				sub.RetainAsPublished = rapid.Bool().Draw(t, "retain as published")
				sub.RetainHandling = rapid.ByteRange(0, 2).Draw(t, "retain handling")
			}
			s.Subscriptions = append(s.Subscriptions, sub)
		}
		return s
	case codec.SUBACK:
		s := &codec.Suback{PacketID: id(), Properties: props("ack")}
		codes := []codec.ReasonCode{codec.GrantedQoS0, codec.GrantedQoS1, codec.GrantedQoS2, codec.UnspecifiedError}
		if v5 {
			codes = append(codes, codec.NotAuthorized, codec.TopicFilterInvalid, codec.QuotaExceeded,
				codec.SharedSubscriptionsNotSupported, codec.SubscriptionIdentifiersNotSupported, codec.WildcardSubscriptionsNotSupported)
		}
		s.ReasonCodes = rapid.SliceOfN(rapid.SampledFrom(codes), 1, 4).Draw(t, "codes")
		return s
	case codec.UNSUBSCRIBE:
		return &codec.Unsubscribe{PacketID: id(), Properties: props("unsubscribe"),
			Filters: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string { return genFilter(t, "filter") }), 1, 3).Draw(t, "filters")}
	case codec.UNSUBACK:
		u := &codec.Unsuback{PacketID: id(), Properties: props("ack")}
		if v5 {
			u.ReasonCodes = rapid.SliceOfN(rapid.SampledFrom([]codec.ReasonCode{codec.Success, codec.NoSubscriptionExisted,
				codec.UnspecifiedError, codec.NotAuthorized, codec.TopicFilterInvalid}), 1, 4).Draw(t, "codes")
		}
		return u
	case codec.PINGREQ:
		return &codec.Pingreq{}
	case codec.PINGRESP:
		return &codec.Pingresp{}
	case codec.DISCONNECT:
		d := &codec.Disconnect{Properties: props("disconnect")}
		if v5 {
			d.ReasonCode = code(t, "reason", codec.NormalDisconnection, codec.DisconnectWithWill, codec.ProtocolError,
				codec.SessionTakenOver, codec.UseAnotherServer, codec.ServerMoved, codec.WildcardSubscriptionsNotSupported)
		}
		return d
	default: // AUTH
		a := &codec.Auth{ReasonCode: code(t, "reason", codec.Success, codec.ContinueAuthentication, codec.ReAuthenticate)}
		if a.ReasonCode != codec.Success || rapid.Bool().Draw(t, "properties") {
			a.Properties = genProps(t, "auth")
		}
		return a
	}
}

// TestRoundTrip: every valid packet of every type and version encodes, and
// decodes back to itself, alone and through a Reader.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genVersion(t)
		p := genPacket(t, v)
		require.NoError(t, p.Validate(v), "generated %#v", p)
		wire, err := codec.Append(nil, p, v)
		require.NoError(t, err)
		q, err := decodeWhole(wire, v)
		require.NoError(t, err, "% x", wire)
		require.Equal(t, p, q, "% x", wire)
	})
}

// TestMatchAgreesWithReference: generated topics and filters, including
// '$' topics, empty levels, '+' and '#', match as the reference says.
func TestMatchAgreesWithReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		filter, topic := genFilter(t, "filter"), genTopic(t, "topic")
		if rapid.Bool().Draw(t, "derive topic from filter") {
			// Fill the filter's wildcards so that matches are common.
			levels := strings.Split(filter, "/")
			var out []string
			for _, l := range levels {
				switch l {
				case "+":
					out = append(out, genLevel(t, "level"))
				case "#":
					for range rapid.IntRange(0, 2).Draw(t, "# levels") {
						out = append(out, genLevel(t, "level"))
					}
				default:
					out = append(out, l)
				}
			}
			if s := strings.Join(out, "/"); s != "" {
				topic = s
			}
		}
		require.NoError(t, codec.ValidateTopicFilter(filter))
		require.NoError(t, codec.ValidateTopicName(topic))
		require.Equal(t, refMatch(filter, topic), codec.MatchTopic(filter, topic), "filter %q topic %q", filter, topic)
	})
}
