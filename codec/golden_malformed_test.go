// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wrenmq/wrenmq/codec"
)

// malformedRow is a frame that must be refused with the given v5 reason
// code. Where the specification names no code, the comment on the row says
// which one wrenmq chose.
type malformedRow struct {
	name     string
	versions []codec.Version
	wire     []byte
	code     codec.ReasonCode
	refs     []string
}

const (
	malformed = codec.MalformedPacket
	protoErr  = codec.ProtocolError
)

// v4Connect and v5Connect are the bodies of minimal CONNECT packets to
// which the rows below make one change each.
func v4Connect(flags string, rest ...string) []byte {
	body := hx(str("MQTT"), "04", flags, "0000", str("c"), strings.Join(rest, " "))
	return append(hx("10", fmt.Sprintf("%02x", len(body))), body...)
}

func v5Connect(flags, props string, rest ...string) []byte {
	p := hx(props)
	body := hx(str("MQTT"), "05", flags, "0000", fmt.Sprintf("%02x", len(p)), props, str("c"), strings.Join(rest, " "))
	return append(hx("10", fmt.Sprintf("%02x", len(body))), body...)
}

// v5Publish is a QoS 0 PUBLISH to "t" carrying the given properties.
func v5Publish(props string) []byte {
	p := hx(props)
	body := hx(str("t"), fmt.Sprintf("%02x", len(p)), props)
	return append(hx("30", fmt.Sprintf("%02x", len(body))), body...)
}

var malformedRows = []malformedRow{
	// ---- fixed header --------------------------------------------------
	{"type-0-reserved", v345, hx("00 00"), malformed, refs("§2.1.2")},
	// Type 15 is reserved before v5; wrenmq reports a protocol error.
	{"auth-under-v3", v34, hx("f0 00"), protoErr, refs("[MQTT-4.8.0-1]", "§2.2.1")},
	{"flags-connect-v4", v4, hx("11 0d", str("MQTT"), "04 02 0000", str("c")), malformed, refs("[MQTT-2.2.2-1]", "[MQTT-2.2.2-2]")},
	{"flags-connect-v5", v5, hx("18 0e", str("MQTT"), "05 02 0000 00", str("c")), malformed, refs("[MQTT-2.1.3-1]")},
	{"flags-connack-v3", v34, hx("21 02 0000"), malformed, refs("[MQTT-2.2.2-1]")},
	{"flags-connack-v5", v5, hx("28 03 000000"), malformed, refs("[MQTT-2.1.3-1]")},
	{"flags-puback", v345, hx("42 02 0001"), malformed, refs("[MQTT-2.1.3-1]", "[MQTT-2.2.2-1]")},
	{"flags-pubrec", v345, hx("51 02 0001"), malformed, refs("[MQTT-2.1.3-1]", "[MQTT-2.2.2-1]")},
	{"flags-pubrel-0", v345, hx("60 02 0001"), malformed, refs("[MQTT-3.6.1-1]")},
	{"flags-pubrel-3", v345, hx("63 02 0001"), malformed, refs("[MQTT-3.6.1-1]")},
	{"flags-pubcomp", v345, hx("78 02 0001"), malformed, refs("[MQTT-2.1.3-1]", "[MQTT-2.2.2-1]")},
	{"flags-subscribe-v3", v34, hx("80 06 0001", str("#"), "00"), malformed, refs("[MQTT-3.8.1-1]")},
	{"flags-subscribe-v5", v5, hx("83 07 0001 00", str("#"), "00"), malformed, refs("[MQTT-3.8.1-1]")},
	{"flags-suback-v3", v34, hx("91 03 0001 00"), malformed, refs("[MQTT-2.2.2-1]")},
	{"flags-suback-v5", v5, hx("94 04 0001 00 00"), malformed, refs("[MQTT-2.1.3-1]")},
	{"flags-unsubscribe-v3", v34, hx("a0 05 0001", str("#")), malformed, refs("[MQTT-3.10.1-1]")},
	{"flags-unsubscribe-v5", v5, hx("a3 06 0001 00", str("#")), malformed, refs("[MQTT-3.10.1-1]")},
	{"flags-unsuback-v3", v34, hx("b2 02 0001"), malformed, refs("[MQTT-2.2.2-1]")},
	{"flags-unsuback-v5", v5, hx("b8 04 0001 00 00"), malformed, refs("[MQTT-2.1.3-1]")},
	{"flags-pingreq", v345, hx("c1 00"), malformed, refs("[MQTT-2.1.3-1]", "[MQTT-2.2.2-1]")},
	{"flags-pingresp", v345, hx("d2 00"), malformed, refs("[MQTT-2.1.3-1]", "[MQTT-2.2.2-1]")},
	{"flags-disconnect", v345, hx("e1 00"), malformed, refs("[MQTT-3.14.1-1]", "[MQTT-2.2.2-1]")},
	{"flags-auth", v5, hx("f4 00"), malformed, refs("[MQTT-3.15.1-1]")},
	{"publish-qos3", v345, hx("36 07", str("a/b"), "0001"), malformed, refs("[MQTT-3.3.1-4]")},
	{"publish-qos3-retain-dup", v345, hx("3f 07", str("a/b"), "0001"), malformed, refs("[MQTT-3.3.1-4]")},
	// The specification names no code for a DUP flag on QoS 0; the packet
	// parses, so wrenmq treats it as a protocol error (section 1.2).
	{"publish-dup-qos0", v34, hx("38 05", str("a/b")), protoErr, refs("[MQTT-3.3.1-2]", "[MQTT-4.3.1-1]")},
	{"publish-dup-qos0-v5", v5, hx("38 06", str("a/b"), "00"), protoErr, refs("[MQTT-3.3.1-2]", "[MQTT-4.3.1-1]")},

	// ---- remaining length and variable byte integers -------------------
	{"remaining-length-5-bytes", v345, hx("30 ffffffff7f"), malformed, refs("[MQTT-1.5.5-1]", "§2.2.3")},
	{"remaining-length-4-continuations", v345, hx("30 ffffffff"), malformed, refs("§2.2.3", "§1.5.5")},
	{"remaining-length-non-minimal-0", v345, hx("c0 8000"), malformed, refs("[MQTT-1.5.5-1]")},
	{"remaining-length-non-minimal-2", v345, hx("40 8200 0001"), malformed, refs("[MQTT-1.5.5-1]")},
	{"property-length-non-minimal", v5, hx("40 05 0001 00 8000"), malformed, refs("[MQTT-1.5.5-1]")},
	{"subscription-id-non-minimal", v5, v5Publish("0b 8100"), malformed, refs("[MQTT-1.5.5-1]")},
	{"subscription-id-5-bytes", v5, v5Publish("0b ffffffff01"), malformed, refs("[MQTT-1.5.5-1]", "§1.5.5")},
	{"pingreq-trailing-byte", v345, hx("c0 01 00"), malformed, refs("§3.12", "[MQTT-3.1.4-1]")},
	{"disconnect-v3-trailing-byte", v34, hx("e0 01 00"), malformed, refs("§3.14")},
	{"puback-v3-trailing-byte", v34, hx("40 03 0001 00"), malformed, refs("§3.4")},
	{"puback-truncated-id", v345, hx("40 01 00"), malformed, refs("§2.3.1")},
	{"connack-v3-trailing-byte", v34, hx("20 03 0000 00"), malformed, refs("§3.2")},
	{"connack-v5-truncated", v5, hx("20 01 00"), malformed, refs("§3.2.2")},
	{"connect-v4-trailing-byte", v4, v4Connect("02", "00"), malformed, refs("[MQTT-3.1.4-1]")},
	{"connect-v4-missing-clientid", v4, hx("10 0a", str("MQTT"), "04 02 003c"), malformed, refs("[MQTT-3.1.3-3]", "[MQTT-3.1.4-1]")},
	{"connect-v4-username-flag-without-username", v4, v4Connect("82"), malformed, refs("[MQTT-3.1.2-19]")},
	{"connect-v5-password-flag-without-password", v5, v5Connect("42", ""), malformed, refs("[MQTT-3.1.2-19]")},
	{"connect-v5-will-flag-without-will", v5, v5Connect("06", ""), malformed, refs("[MQTT-3.1.2-9]")},
	{"publish-topic-overruns", v345, hx("30 03 0005 61"), malformed, refs("[MQTT-3.3.2-1]")},
	{"publish-v5-properties-overrun", v5, hx("30 05", str("t"), "05 01"), malformed, refs("§2.2.2.1")},
	{"suback-v5-properties-overrun", v5, hx("90 04 0001 05 00"), malformed, refs("§2.2.2.1")},
	{"user-property-truncated", v5, hx("40 0b 0001 00 07 26", str("k"), "0003 76"), malformed, refs("[MQTT-1.5.7-1]")},

	// ---- UTF-8 strings -------------------------------------------------
	{"utf8-ill-formed-clientid", v4, hx("10 0d", str("MQTT"), "04 02 0000", "0001 ff"), malformed, refs("[MQTT-1.5.3-1]", "[MQTT-3.1.3-4]")},
	{"utf8-overlong-nul-clientid", v5, hx("10 0f", str("MQTT"), "05 02 0000 00", "0002 c080"), malformed, refs("[MQTT-1.5.4-1]", "[MQTT-3.1.3-4]")},
	{"utf8-truncated-sequence", v345, hx("30 05 0003 61 2f c3"), malformed, refs("[MQTT-1.5.4-1]", "[MQTT-1.5.3-1]", "[MQTT-3.3.2-1]")},
	{"utf8-surrogate-topic", v34, hx("30 05 0003 eda080"), malformed, refs("[MQTT-1.5.3-1]", "[MQTT-3.3.2-1]")},
	{"utf8-surrogate-username", v5, v5Connect("82", "", "0003 eda080"), malformed, refs("[MQTT-1.5.4-1]", "[MQTT-3.1.3-12]")},
	{"utf8-nul-topic", v345, hx("30 05 0003 61 00 62"), malformed, refs("[MQTT-1.5.4-2]", "[MQTT-1.5.3-2]", "[MQTT-4.7.3-2]")},
	{"utf8-nul-filter", v4, hx("82 07 0001 0002 6100 00"), malformed, refs("[MQTT-1.5.3-2]", "[MQTT-3.8.3-1]")},
	{"utf8-ill-formed-unsubscribe", v5, hx("a2 06 0001 00 0001 fe"), malformed, refs("[MQTT-1.5.4-1]", "[MQTT-3.10.3-1]")},
	{"utf8-ill-formed-user-property", v5, hx("40 0a 0001 00 06 26 0001 ff 0000"), malformed, refs("[MQTT-1.5.7-1]")},
	{"utf8-ill-formed-will-topic", v4, v4Connect("06", "0001 ff", str("x")), malformed, refs("[MQTT-1.5.3-1]", "[MQTT-3.1.3-10]")},
	{"utf8-ill-formed-reason-string", v5, hx("e0 06 00 04 1f 0001 c0"), malformed, refs("[MQTT-1.5.4-1]")},

	// ---- properties ----------------------------------------------------
	{"properties-duplicate-message-expiry", v5, v5Publish("02 00000001 02 00000002"), protoErr, refs("§3.3.2.3.3")},
	{"properties-duplicate-topic-alias", v5, v5Publish("23 0001 23 0002"), protoErr, refs("§3.3.2.3.4")},
	{"properties-duplicate-session-expiry", v5, v5Connect("02", "11 00000001 11 00000001"), protoErr, refs("§3.1.2.11.2")},
	{"properties-duplicate-reason-string", v5, hx("40 0c 0001 80 08 1f", str("a"), "1f", str("b")), protoErr, refs("[MQTT-3.4.2-2]", "§3.4.2.2.2")},
	{"properties-duplicate-subscription-id-in-subscribe", v5, hx("82 0b 0001 04 0b01 0b02", str("#"), "00"), protoErr, refs("§3.8.2.1.2")},
	{"properties-duplicate-maximum-qos", v5, hx("20 07 0000 04 2400 2400"), protoErr, refs("§3.2.2.3.4")},
	{"properties-session-expiry-in-publish", v5, v5Publish("11 00000001"), malformed, refs("§2.2.2.2")},
	{"properties-topic-alias-in-puback", v5, hx("40 07 0001 00 03 23 0001"), malformed, refs("§2.2.2.2")},
	{"properties-maximum-qos-in-connect", v5, v5Connect("02", "24 01"), malformed, refs("§2.2.2.2")},
	{"properties-session-expiry-in-will", v5, v5Connect("06", "", "05 11 00000001", str("t"), str("")), malformed, refs("§2.2.2.2", "§3.1.3.2")},
	{"properties-subscription-id-in-connect", v5, v5Connect("02", "0b 01"), malformed, refs("§2.2.2.2")},
	{"properties-reason-string-in-subscribe", v5, hx("82 0b 0001 04 1f", str("a"), str("#"), "00"), malformed, refs("§2.2.2.2")},
	{"properties-auth-method-in-publish", v5, v5Publish("15" + str("x")), malformed, refs("§2.2.2.2")},
	{"properties-unknown-0x7f", v5, v5Publish("7f 00"), malformed, refs("§2.2.2.2")},
	{"properties-unknown-0x00", v5, v5Publish("00"), malformed, refs("§2.2.2.2")},
	{"properties-unknown-two-byte-id", v5, v5Publish("8001 00"), malformed, refs("§2.2.2.2")},
	{"properties-receive-maximum-0", v5, v5Connect("02", "21 0000"), protoErr, refs("§3.1.2.11.3")},
	{"properties-maximum-packet-size-0", v5, v5Connect("02", "27 00000000"), protoErr, refs("§3.1.2.11.4")},
	{"properties-request-problem-info-2", v5, v5Connect("02", "17 02"), protoErr, refs("§3.1.2.11.7")},
	{"properties-request-response-info-2", v5, v5Connect("02", "19 02"), protoErr, refs("§3.1.2.11.6")},
	{"properties-auth-data-without-method", v5, v5Connect("02", "16 0001 00"), protoErr, refs("§3.1.2.11.10")},
	{"properties-maximum-qos-2", v5, hx("20 05 0000 02 2402"), protoErr, refs("§3.2.2.3.4")},
	{"properties-retain-available-2", v5, hx("20 05 0000 02 2502"), protoErr, refs("§3.2.2.3.5")},
	{"properties-wildcard-available-2", v5, hx("20 05 0000 02 2802"), protoErr, refs("§3.2.2.3.11")},
	{"properties-subscription-id-0-publish", v5, v5Publish("0b 00"), protoErr, refs("§3.3.2.3.8")},
	{"properties-subscription-id-0-subscribe", v5, hx("82 09 0001 02 0b00", str("#"), "00"), protoErr, refs("§3.8.2.1.2")},
	// §3.3.4: "A Topic Alias value of 0 ... is a Protocol Error, the receiver
	// uses DISCONNECT with Reason Code of 0x94 (Topic Alias invalid)".
	{"properties-topic-alias-0", v5, v5Publish("23 0000"), codec.TopicAliasInvalid, refs("[MQTT-3.3.2-8]", "§3.3.4")},
	{"properties-response-topic-wildcard", v5, v5Publish("08" + str("a/#")), protoErr, refs("[MQTT-3.3.2-14]")},

	// ---- packet identifiers, topics, subscriptions ---------------------
	// The specification names no code for a zero Packet Identifier; wrenmq
	// treats it as malformed.
	{"packet-id-0-publish-qos1", v345, hx("32 07", str("a/b"), "0000"), malformed, refs("[MQTT-2.3.1-1]", "[MQTT-2.2.1-3]")},
	{"packet-id-0-publish-qos2", v5, hx("34 08", str("a/b"), "0000 00"), malformed, refs("[MQTT-2.2.1-4]")},
	{"packet-id-0-subscribe", v34, hx("82 06 0000", str("#"), "00"), malformed, refs("[MQTT-2.3.1-1]", "[MQTT-2.2.1-3]")},
	{"packet-id-0-unsubscribe", v5, hx("a2 06 0000 00", str("#")), malformed, refs("[MQTT-2.2.1-3]")},
	{"packet-id-0-puback", v345, hx("40 02 0000"), malformed, refs("[MQTT-2.2.1-5]", "[MQTT-2.3.1-6]")},
	{"topic-name-plus", v34, hx("30 05", str("a/+")), codec.TopicNameInvalid, refs("[MQTT-3.3.2-2]", "[MQTT-4.7.0-1]", "[MQTT-4.7.1-1]")},
	{"topic-name-hash-v5", v5, hx("30 06", str("a/#"), "00"), codec.TopicNameInvalid, refs("[MQTT-3.3.2-2]", "[MQTT-4.7.0-1]")},
	{"topic-name-empty-v3", v34, hx("30 03 0000 78"), codec.TopicNameInvalid, refs("[MQTT-4.7.3-1]")},
	{"topic-name-empty-without-alias", v5, hx("30 04 0000 00 78"), protoErr, refs("§3.3.2.1", "§3.3.4")},
	{"subscribe-empty-payload-v3", v34, hx("82 02 0001"), protoErr, refs("[MQTT-3.8.3-3]")},
	{"subscribe-empty-payload-v5", v5, hx("82 03 0001 00"), protoErr, refs("[MQTT-3.8.3-2]")},
	{"unsubscribe-empty-payload-v3", v34, hx("a2 02 0001"), protoErr, refs("[MQTT-3.10.3-2]")},
	{"unsubscribe-empty-payload-v5", v5, hx("a2 03 0001 00"), protoErr, refs("[MQTT-3.10.3-2]")},
	{"subscribe-missing-options", v4, hx("82 05 0001", str("#")), malformed, refs("[MQTT-3.8.3-3]")},
	{"subscribe-v3-reserved-option-bits", v34, hx("82 06 0001", str("#"), "04"), malformed, refs("§3.8.3.1")},
	{"subscribe-v3-qos3", v34, hx("82 06 0001", str("#"), "03"), malformed, refs("§3.8.3.1")},
	{"subscribe-v5-reserved-option-bits", v5, hx("82 07 0001 00", str("#"), "c0"), malformed, refs("[MQTT-3.8.3-5]")},
	{"subscribe-v5-qos3", v5, hx("82 07 0001 00", str("#"), "03"), protoErr, refs("§3.8.3.1")},
	{"subscribe-v5-retain-handling-3", v5, hx("82 07 0001 00", str("#"), "30"), protoErr, refs("§3.8.3.1")},
	{"subscribe-v5-no-local-shared", v5, hx("82 10 0001 00", str("$share/g/#"), "04"), protoErr, refs("[MQTT-3.8.3-4]")},

	// ---- CONNECT -------------------------------------------------------
	{"connect-reserved-flag-v4", v4, v4Connect("03"), malformed, refs("[MQTT-3.1.2-3]")},
	{"connect-reserved-flag-v5", v5, v5Connect("03", ""), malformed, refs("[MQTT-3.1.2-3]")},
	{"connect-will-qos3-v4", v4, v4Connect("1e", str("t"), str("")), malformed, refs("[MQTT-3.1.2-14]")},
	{"connect-will-qos3-v5", v5, v5Connect("1e", "", "00", str("t"), str("")), malformed, refs("[MQTT-3.1.2-12]")},
	{"connect-will-qos-without-will-v4", v4, v4Connect("0a"), malformed, refs("[MQTT-3.1.2-11]", "[MQTT-3.1.2-13]")},
	{"connect-will-qos-without-will-v5", v5, v5Connect("12", ""), malformed, refs("[MQTT-3.1.2-11]")},
	{"connect-will-retain-without-will-v4", v4, v4Connect("22"), malformed, refs("[MQTT-3.1.2-11]", "[MQTT-3.1.2-15]")},
	{"connect-will-retain-without-will-v5", v5, v5Connect("22", ""), malformed, refs("[MQTT-3.1.2-13]")},
	{"connect-password-without-username-v4", v4, v4Connect("42", str("p")), malformed, refs("[MQTT-3.1.2-22]")},
	{"connect-will-topic-wildcard", v4, v4Connect("06", str("a/+"), str("x")), codec.TopicNameInvalid, refs("[MQTT-4.7.1-1]", "[MQTT-3.1.3-10]")},
	{"connect-wrong-protocol-name", v345, hx("10 0d", str("MQTX"), "04 02 0000", str("c")), codec.UnsupportedProtocolVersion, refs("[MQTT-3.1.2-1]")},
	{"connect-unsupported-level-6", v345, hx("10 0d", str("MQTT"), "06 02 0000", str("c")), codec.UnsupportedProtocolVersion, refs("[MQTT-3.1.2-2]")},
	{"connect-unsupported-level-0x84", v345, hx("10 0d", str("MQTT"), "84 02 0000", str("c")), codec.UnsupportedProtocolVersion, refs("[MQTT-3.1.2-2]")},
	{"connect-mqisdp-level-4", v345, hx("10 0f", str("MQIsdp"), "04 02 0000", str("c")), codec.UnsupportedProtocolVersion, refs("[MQTT-3.1.2-1]")},

	// ---- CONNACK, DISCONNECT, AUTH -------------------------------------
	{"connack-reserved-ack-flags-v4", v4, hx("20 02 02 00"), malformed, refs("§3.2.2.1")},
	{"connack-reserved-ack-flags-v5", v5, hx("20 03 02 00 00"), malformed, refs("[MQTT-3.2.2-1]")},
}

func TestGoldenMalformed(t *testing.T) {
	for _, m := range malformedRows {
		for _, v := range m.versions {
			t.Run(fmt.Sprintf("%s/v%d", m.name, v), func(t *testing.T) {
				t.Logf("proves %s", strings.Join(m.refs, " "))
				err := decodeFrame(m.wire, v)
				if err == nil {
					t.Fatalf("decode of % x succeeded, want reason code 0x%02X", m.wire, byte(m.code))
				}
				if errors.Is(err, codec.ErrIncomplete) {
					t.Fatalf("decode: %v; the row must hold a whole frame", err)
				}
				if got := codec.CodeOf(err); got != m.code {
					t.Fatalf("decode: %v\ncode 0x%02X (%v), want 0x%02X (%v)", err, byte(got), got, byte(m.code), m.code)
				}
				var ce *codec.Error
				if !errors.As(err, &ce) || ce.Field == "" {
					t.Fatalf("decode: %v is not an *codec.Error naming a field", err)
				}

				// The Reader must refuse the frame with the same code.
				_, err = codec.NewReader(bytes.NewReader(m.wire), 1<<20).ReadPacket(v)
				if got := codec.CodeOf(err); err == nil || got != m.code {
					t.Fatalf("Reader.ReadPacket: %v, want reason code 0x%02X", err, byte(m.code))
				}
			})
		}
	}
}

// decodeFrame runs ParseHeader and Decode over a whole frame.
func decodeFrame(wire []byte, v codec.Version) error {
	h, n, err := codec.ParseHeader(wire)
	if err != nil {
		return err
	}
	if n+h.RemainingLength > len(wire) {
		return fmt.Errorf("frame claims %d bytes, row has %d: %w", n+h.RemainingLength, len(wire), codec.ErrIncomplete)
	}
	_, err = codec.Decode(h, wire[n:n+h.RemainingLength], v)
	return err
}

func TestParseHeaderIncomplete(t *testing.T) {
	for _, s := range []string{"", "30", "30 80", "30 ff ff", "30 ff ff ff"} {
		_, _, err := codec.ParseHeader(hx(s))
		if !errors.Is(err, codec.ErrIncomplete) {
			t.Errorf("ParseHeader(% x): %v, want ErrIncomplete", hx(s), err)
		}
	}
}

// TestReaderMaxPacketSize checks that a frame larger than the maximum is
// refused from its header, before the body arrives [MQTT-3.2.2-15].
func TestReaderMaxPacketSize(t *testing.T) {
	// Header of a 1 MiB PUBLISH with no body behind it: the reader must not
	// wait for (or allocate) the body.
	wire := hx("30 80 80 40")
	r := codec.NewReader(bytes.NewReader(wire), 1024)
	_, _, err := r.ReadFrame()
	if !errors.Is(err, codec.ErrPacketTooLarge) || codec.CodeOf(err) != codec.PacketTooLarge {
		t.Fatalf("ReadFrame: %v, want ErrPacketTooLarge with code 0x95", err)
	}
	// The maximum counts the whole packet, header included: a 2+8 byte
	// PUBLISH fits in 10 and not in 9.
	pkt := hx("30 08", str("a/b"), "00 6869")
	if _, err := codec.NewReader(bytes.NewReader(pkt), 10).ReadPacket(codec.V5); err != nil {
		t.Fatalf("10-byte packet with maximum 10: %v", err)
	}
	if _, err := codec.NewReader(bytes.NewReader(pkt), 9).ReadPacket(codec.V5); !errors.Is(err, codec.ErrPacketTooLarge) {
		t.Fatalf("10-byte packet with maximum 9: %v, want ErrPacketTooLarge", err)
	}
}

// invalidRow is a packet value the encoder must refuse. When wire is set
// the frame decodes (the fault is one a server answers per item, such as a
// SUBACK 0x8F for one bad filter) and Validate of the result must fail.
type invalidRow struct {
	name    string
	version codec.Version
	pkt     codec.Packet
	wire    []byte
	code    codec.ReasonCode
	refs    []string
}

var invalidRows = []invalidRow{
	{name: "subscribe-filter-hash-not-last", version: codec.V311, wire: hx("82 0a 0001", str("a/#/b"), "00"),
		code: codec.TopicFilterInvalid, refs: refs("[MQTT-4.7.1-1]")},
	{name: "subscribe-filter-plus-in-level", version: codec.V5, wire: hx("82 08 0001 00", str("a+"), "00"),
		code: codec.TopicFilterInvalid, refs: refs("[MQTT-4.7.1-2]")},
	{name: "subscribe-shared-empty-group", version: codec.V5, wire: hx("82 11 0001 00", str("$share//a/b"), "00"),
		code: codec.TopicFilterInvalid, refs: refs("[MQTT-4.8.2-1]")},
	{name: "publish-wildcard-topic", version: codec.V5, pkt: &codec.Publish{Topic: "a/#"},
		code: codec.TopicNameInvalid, refs: refs("[MQTT-3.3.2-2]")},
	{name: "publish-qos3", version: codec.V311, pkt: &codec.Publish{Topic: "a", QoS: 3, PacketID: 1},
		code: malformed, refs: refs("[MQTT-3.3.1-4]")},
	{name: "publish-qos1-id-0", version: codec.V5, pkt: &codec.Publish{Topic: "a", QoS: 1},
		code: malformed, refs: refs("[MQTT-2.2.1-3]")},
	{name: "publish-dup-qos0", version: codec.V5, pkt: &codec.Publish{Topic: "a", Dup: true},
		code: protoErr, refs: refs("[MQTT-3.3.1-2]")},
	{name: "publish-topic-alias-0", version: codec.V5, pkt: &codec.Publish{Topic: "a", Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(0))}},
		code: codec.TopicAliasInvalid, refs: refs("[MQTT-3.3.2-8]")},
	{name: "subscribe-empty", version: codec.V5, pkt: &codec.Subscribe{PacketID: 1},
		code: protoErr, refs: refs("[MQTT-3.8.3-2]")},
	{name: "unsubscribe-empty", version: codec.V311, pkt: &codec.Unsubscribe{PacketID: 1},
		code: protoErr, refs: refs("[MQTT-3.10.3-2]")},
	{name: "auth-under-v311", version: codec.V311, pkt: &codec.Auth{},
		code: protoErr, refs: refs("[MQTT-4.8.0-1]")},
	{name: "connect-password-without-username-v311", version: codec.V311,
		pkt:  &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V311, ClientID: "c", CleanStart: true, Password: []byte("p")},
		code: malformed, refs: refs("[MQTT-3.1.2-22]")},
	{name: "connect-will-qos3", version: codec.V5,
		pkt:  &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V5, ClientID: "c", Will: &codec.Will{QoS: 3, Topic: "t"}},
		code: malformed, refs: refs("[MQTT-3.1.2-12]")},
	{name: "puback-id-0", version: codec.V5, pkt: &codec.Puback{},
		code: malformed, refs: refs("[MQTT-2.2.1-5]")},
	{name: "string-with-nul", version: codec.V5, pkt: &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V5, ClientID: "a\x00b"},
		code: malformed, refs: refs("[MQTT-1.5.4-2]")},
	{name: "string-ill-formed", version: codec.V5, pkt: &codec.Disconnect{Properties: codec.Properties{ReasonString: codec.Ptr("\xff")}},
		code: malformed, refs: refs("[MQTT-1.5.4-1]")},
	{name: "property-not-allowed", version: codec.V5, pkt: &codec.Puback{PacketID: 1, Properties: codec.Properties{SessionExpiry: codec.Ptr(uint32(1))}},
		code: malformed, refs: refs("§2.2.2.2")},
	{name: "subscription-id-0", version: codec.V5, pkt: &codec.Subscribe{PacketID: 1, Properties: codec.Properties{SubscriptionIDs: []uint32{0}}, Subscriptions: []codec.Subscription{{Filter: "#"}}},
		code: protoErr, refs: refs("§3.8.2.1.2")},
}

func TestGoldenInvalid(t *testing.T) {
	for _, r := range invalidRows {
		t.Run(r.name, func(t *testing.T) {
			t.Logf("proves %s", strings.Join(r.refs, " "))
			p := r.pkt
			if r.wire != nil {
				h, n, err := codec.ParseHeader(r.wire)
				if err != nil {
					t.Fatalf("ParseHeader: %v", err)
				}
				if p, err = codec.Decode(h, r.wire[n:], r.version); err != nil {
					t.Fatalf("Decode: %v; the frame is well-formed", err)
				}
			}
			err := p.Validate(r.version)
			if got := codec.CodeOf(err); err == nil || got != r.code {
				t.Fatalf("Validate: %v, want reason code 0x%02X", err, byte(r.code))
			}
			if b, err := codec.Append(nil, p, r.version); err == nil || codec.CodeOf(err) != r.code {
				t.Fatalf("Append: % x, %v; want reason code 0x%02X", b, err, byte(r.code))
			}
			// AllowIllegal writes what it is given, for attacking peers.
			if b, err := (codec.Encoder{Version: r.version, AllowIllegal: true}).Append(nil, p); err != nil || len(b) == 0 {
				t.Fatalf("Encoder{AllowIllegal}.Append: % x, %v", b, err)
			}
		})
	}
}
