// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
)

func TestMatchOneFilter(t *testing.T) {
	tests := []struct {
		filter, topic string
		want          bool
	}{
		// Literal levels match byte for byte, no normalisation [MQTT-4.7.3-4].
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/b", "a/b/c", false},
		{"a/b", "a", false},
		{"a/b", "A/b", false},
		{"a/b", "a/b ", false},
		{"ü/b", "ü/b", true},

		// '#' matches the parent and any number of child levels [MQTT-4.7.1-1].
		{"sport/tennis/player1/#", "sport/tennis/player1", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
		{"sport/#", "sport", true},
		{"sport/#", "sport/", true},
		{"sport/#", "sports", false},
		{"sport/#", "other/sport", false},
		{"#", "sport", true},
		{"#", "/", true},
		{"#", "a/b/c/d/e/f", true},
		{"+/#", "a", true},
		{"+/#", "a/b/c", true},

		// '+' matches exactly one whole level, empty ones too [MQTT-4.7.1-2].
		{"sport/tennis/+", "sport/tennis/player1", true},
		{"sport/tennis/+", "sport/tennis/player1/ranking", false},
		{"sport/+", "sport", false},
		{"sport/+", "sport/", true},
		{"+", "/finance", false},
		{"+/+", "/finance", true},
		{"/+", "/finance", true},
		{"+", "a", true},
		{"+/tennis/#", "sport/tennis", true},
		{"+/tennis/#", "sport/tennis/x/y", true},
		{"sport/+/player1", "sport/tennis/player1", true},
		{"sport/+/player1", "sport//player1", true},
		{"+/+/+", "a/b", false},

		// Empty levels are real levels (4.7.1.1).
		{"a//b", "a//b", true},
		{"a//b", "a/b", false},
		{"a/+/b", "a//b", true},
		{"/", "/", true},
		{"/", "", false},
		{"a/", "a", false},
		{"a", "a/", false},

		// Filters starting with a wildcard never match topics starting with
		// '$' [MQTT-4.7.2-1]; explicit '$' filters do.
		{"#", "$SYS/uptime", false},
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"+", "$SYS", false},
		{"+/#", "$SYS/a", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"$SYS/#", "$SYS", true},
		{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
		{"$SYS/+/Clients", "$SYS/monitor/Clients", true},
		{"a/#", "a/$SYS", true}, // the '$' rule is about the first level only
		{"a/+", "a/$x", true},
	}
	for _, tc := range tests {
		t.Run(tc.filter+"~"+tc.topic, func(t *testing.T) {
			ix := topics.New()
			ix.Subscribe(topics.Sub{Client: "c", Filter: tc.filter})
			got := ix.Match(tc.topic)
			require.NotNil(t, got)
			if tc.want {
				assert.Equal(t, []topics.Sub{{Client: "c", Filter: tc.filter}}, got.Subs)
			} else {
				assert.Empty(t, got.Subs)
			}
			assert.Empty(t, got.Shared)
		})
	}
}

func TestMatchOverlappingFiltersOfOneClient(t *testing.T) {
	ix := topics.New()
	for _, f := range []string{"a/+", "a/#", "#", "+/b", "a/b", "x/#"} {
		ix.Subscribe(topics.Sub{Client: "c", Filter: f, Identifier: uint32(len(f))})
	}
	// Each matching subscription is returned; the broker merges them.
	got := ix.Match("a/b").Subs
	assert.ElementsMatch(t, []string{"a/+", "a/#", "#", "+/b", "a/b"}, filters(got))
	for _, s := range got {
		assert.Equal(t, "c", s.Client)
		assert.Equal(t, uint32(len(s.Filter)), s.Identifier)
	}
}

func TestMatchSharedGroups(t *testing.T) {
	ix := topics.New()
	subs := []topics.Sub{
		{Client: "p", Filter: "sport/tennis/+", QoS: 0},
		{Client: "w1", Group: "consumer1", Filter: "sport/tennis/+", QoS: 1},
		{Client: "w2", Group: "consumer1", Filter: "sport/tennis/+", QoS: 2},
		{Client: "w3", Group: "consumer2", Filter: "sport/tennis/+", QoS: 0},
		{Client: "w1", Group: "consumer1", Filter: "/finance", QoS: 1},
		{Client: "w4", Group: "all", Filter: "#"},
	}
	for _, s := range subs {
		require.False(t, ix.Subscribe(s))
	}
	require.Equal(t, len(subs), ix.Count())

	// Groups with the same ShareName and different filters, or the same
	// filter and different ShareNames, are distinct shared subscriptions
	// and both match as the plain filter would (4.8.2).
	got := ix.Match("sport/tennis/player1")
	assert.Equal(t, []topics.Sub{subs[0]}, got.Subs)
	require.Len(t, got.Shared, 3)
	byName := map[string]topics.SharedGroup{}
	for _, g := range got.Shared {
		byName[g.Group+" "+g.Filter] = g
	}
	// Members keep their own granted QoS, which the broker must respect
	// for whichever member it picks [MQTT-4.8.2-3].
	assert.ElementsMatch(t, subs[1:3], byName["consumer1 sport/tennis/+"].Members)
	assert.Equal(t, []topics.Sub{subs[3]}, byName["consumer2 sport/tennis/+"].Members)
	assert.Equal(t, []topics.Sub{subs[5]}, byName["all #"].Members)

	got = ix.Match("/finance")
	assert.Empty(t, got.Subs)
	require.Len(t, got.Shared, 2)

	// A shared "#" is still a filter starting with a wildcard [MQTT-4.7.2-1].
	assert.Empty(t, ix.Match("$SYS/x").Shared)

	// The group lasts while it has a member; the last one ends it (4.8.2).
	require.True(t, ix.Unsubscribe("w1", "consumer1", "sport/tennis/+"))
	got = ix.Match("sport/tennis/player1")
	require.Len(t, got.Shared, 3)
	require.True(t, ix.Unsubscribe("w2", "consumer1", "sport/tennis/+"))
	got = ix.Match("sport/tennis/player1")
	require.Len(t, got.Shared, 2)
	for _, g := range got.Shared {
		assert.NotEqual(t, "consumer1", g.Group)
	}
}

func TestMatchNoSubscribers(t *testing.T) {
	ix := topics.New()
	got := ix.Match("a/b")
	require.NotNil(t, got)
	assert.Empty(t, got.Subs)
	assert.Empty(t, got.Shared)
}

func filters(subs []topics.Sub) []string {
	out := make([]string, 0, len(subs))
	for _, s := range subs {
		out = append(out, s.Filter)
	}
	slices.Sort(out)
	return out
}
