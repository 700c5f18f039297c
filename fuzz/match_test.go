// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/wrenmq/wrenmq/codec"
)

// refMatch is the topic matching of section 4.7 written as plainly as
// possible: split both on '/', compare level by level.
func refMatch(filter, topic string) bool {
	f := strings.Split(filter, "/")
	n := strings.Split(topic, "/")
	// [MQTT-4.7.2-1] a leading wildcard does not match a '$' topic.
	if strings.HasPrefix(topic, "$") && (f[0] == "+" || f[0] == "#") {
		return false
	}
	for i, level := range f {
		if level == "#" {
			return true // also matches the parent level [MQTT-4.7.1-1]
		}
		if i >= len(n) || (level != "+" && level != n[i]) {
			return false
		}
	}
	return len(f) == len(n)
}

var matchCases = []struct {
	filter, topic string
	want          bool
}{
	{"sport/tennis/player1/#", "sport/tennis/player1", true},
	{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
	{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
	{"sport/#", "sport", true},
	{"#", "sport", true},
	{"#", "/", true},
	{"sport/tennis/+", "sport/tennis/player1", true},
	{"sport/tennis/+", "sport/tennis/player1/ranking", false},
	{"sport/+", "sport", false},
	{"sport/+", "sport/", true},
	{"+/+", "/finance", true},
	{"/+", "/finance", true},
	{"+", "/finance", false},
	{"#", "$SYS/uptime", false},
	{"+/monitor/Clients", "$SYS/monitor/Clients", false},
	{"$SYS/#", "$SYS/monitor/Clients", true},
	{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
	{"a//b", "a//b", true},
	{"a/+/b", "a//b", true},
	{"a/b", "a/b/", false},
	{"A", "a", false},
	{"$share/g/x", "$share/g/x", true},
}

// TestMatchExamples checks both matchers against the examples of section
// 4.7 [MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.2-1] [MQTT-4.7.3-4].
func TestMatchExamples(t *testing.T) {
	for _, c := range matchCases {
		assert.Equal(t, c.want, refMatch(c.filter, c.topic), "reference: %q %q", c.filter, c.topic)
		assert.Equal(t, c.want, codec.MatchTopic(c.filter, c.topic), "codec: %q %q", c.filter, c.topic)
	}
}
