// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"strings"
	"testing"
)

func TestMatchTopic(t *testing.T) {
	for _, tc := range []struct {
		filter, topic string
		match         bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/b", "a/b/c", false},
		{"a/b/c", "a/b", false},
		// Section 4.7.1.2: "sport/tennis/player1/#" matches its parent too.
		{"sport/tennis/player1/#", "sport/tennis/player1", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
		{"sport/#", "sport", true},
		{"sport/#", "sports", false},
		{"#", "a/b/c", true},
		{"#", "/", true},
		// Section 4.7.1.3: '+' matches exactly one level.
		{"sport/tennis/+", "sport/tennis/player1", true},
		{"sport/tennis/+", "sport/tennis/player1/ranking", false},
		{"sport/+", "sport", false},
		{"sport/+", "sport/", true},
		{"+/+", "/finance", true},
		{"/+", "/finance", true},
		{"+", "/finance", false},
		{"+/tennis/#", "sport/tennis", true},
		{"a/+/c", "a//c", true},
		{"a//c", "a//c", true},
		// [MQTT-4.7.2-1] Wildcards at the first level do not match '$' topics.
		{"#", "$SYS/broker/uptime", false},
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
		{"a/#", "a/$x", true},
		// Topic names and filters are case sensitive (section 4.7.3).
		{"ACCOUNTS", "Accounts", false},
	} {
		if got := MatchTopic(tc.filter, tc.topic); got != tc.match {
			t.Errorf("MatchTopic(%q, %q) = %v, want %v", tc.filter, tc.topic, got, tc.match)
		}
	}
}

func TestMatchTopicAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		MatchTopic("sport/+/player1/#", "sport/tennis/player1/score/wimbledon")
	})
	if n != 0 {
		t.Fatalf("MatchTopic allocates %v times", n)
	}
}

func TestValidateTopicName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a/b", true}, {"/", true}, {"$SYS/x", true}, {"\uFEFFa", true}, {"a b", true},
		{strings.Repeat("a", 65535), true},
		{"", false},                  // [MQTT-4.7.3-1]
		{"a/+", false}, {"#", false}, // [MQTT-3.3.2-2]
		{"a\x00", false},        // [MQTT-1.5.4-2]
		{"\xed\xa0\x80", false}, // [MQTT-1.5.4-1]
		{strings.Repeat("a", 65536), false},
	} {
		err := ValidateTopicName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateTopicName(%.20q) = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil {
			wantCode(t, err, TopicNameInvalid)
		}
	}
}

func TestValidateTopicFilter(t *testing.T) {
	for _, tc := range []struct {
		filter string
		ok     bool
	}{
		{"a/b", true}, {"#", true}, {"+", true}, {"a/#", true}, {"+/+", true}, {"/+/", true},
		{"sport/tennis/#", true}, {"+/tennis/#", true}, {"$share/g/a/#", true}, {"$share/g/+", true},
		{"$sharex/a", true}, {"$share", true},
		{"", false},                                // [MQTT-4.7.3-1]
		{"sport/tennis#", false}, {"a/#/b", false}, // [MQTT-4.7.1-1]
		{"##", false},
		{"sport+", false}, {"a/+b", false}, {"+a", false}, // [MQTT-4.7.1-2]
		{"a\x00", false},
		{"$share/", false}, {"$share//a", false}, {"$share/g", false}, {"$share/g/", false},
		{"$share/g+/a", false}, {"$share/g#/a", false}, {"$share/g/a#", false}, // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
	} {
		err := ValidateTopicFilter(tc.filter)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateTopicFilter(%q) = %v, want ok %v", tc.filter, err, tc.ok)
		}
		if err != nil {
			wantCode(t, err, TopicFilterInvalid)
		}
	}
}

func TestParseShared(t *testing.T) {
	for _, tc := range []struct {
		in, group, filter string
		shared, ok        bool
	}{
		{"a/b", "", "a/b", false, true},
		{"$share/g/a/b", "g", "a/b", true, true},
		{"$share/consumers/#", "consumers", "#", true, true},
		{"$share/g", "", "", true, false},
		{"$share//a", "", "", true, false},
		{"$share/g/", "", "", true, false},
		{"$share/+/a", "", "", true, false},
	} {
		g, f, shared, err := ParseShared(tc.in)
		if g != tc.group || f != tc.filter || shared != tc.shared || (err == nil) != tc.ok {
			t.Errorf("ParseShared(%q) = %q, %q, %v, %v", tc.in, g, f, shared, err)
		}
	}
}
