// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
)

// refMatch is a deliberately naive matcher written from the text of section
// 4.7: it splits both strings and compares level by level.
func refMatch(filter, topic string) bool {
	// [MQTT-4.7.2-1]
	if strings.HasPrefix(topic, "$") && (filter[0] == '+' || filter[0] == '#') {
		return false
	}
	fl, tl := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, f := range fl {
		if f == "#" { // [MQTT-4.7.1-1]: the parent and any number of children
			return true
		}
		if i >= len(tl) {
			return false
		}
		if f != "+" && f != tl[i] { // [MQTT-4.7.1-2]
			return false
		}
	}
	return len(fl) == len(tl)
}

var (
	filterLevels = []string{"a", "b", "", "$s", "+", "+", "#"}
	topicLevels  = []string{"a", "b", "", "$s"}
)

func randFilter(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	levels := make([]string, 0, n)
	for i := range n {
		l := filterLevels[r.IntN(len(filterLevels))]
		if l == "#" && i != n-1 {
			l = "+"
		}
		levels = append(levels, l)
	}
	if f := strings.Join(levels, "/"); f != "" {
		return f
	}
	return "a" // filters are at least one character [MQTT-4.7.3-1]
}

func randTopic(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	levels := make([]string, 0, n)
	for range n {
		levels = append(levels, topicLevels[r.IntN(len(topicLevels))])
	}
	if t := strings.Join(levels, "/"); t != "" {
		return t
	}
	return "a" // topic names are at least one character [MQTT-4.7.3-1]
}

// TestMatchAgainstReference churns random subscriptions and checks every
// match, cached or not, against refMatch over the live set.
func TestMatchAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := topics.New()
	live := map[topics.Sub]bool{} // keyed with options zeroed

	for step := range 3000 {
		s := topics.Sub{Client: "c" + strconv.Itoa(r.IntN(6)), Filter: randFilter(r)}
		if r.IntN(4) == 0 {
			s.Group = "g" + strconv.Itoa(r.IntN(2))
		}
		switch op := r.IntN(10); {
		case op < 5:
			require.Equal(t, live[s], ix.Subscribe(s), "step %d subscribe %+v", step, s)
			live[s] = true
		case op < 8:
			require.Equal(t, live[s], ix.Unsubscribe(s.Client, s.Group, s.Filter), "step %d unsubscribe %+v", step, s)
			delete(live, s)
		case op < 9 && step%50 == 0:
			n := 0
			for k := range live {
				if k.Client == s.Client {
					delete(live, k)
					n++
				}
			}
			require.Equal(t, n, ix.RemoveClient(s.Client), "step %d", step)
		}
		require.Equal(t, len(live), ix.Count())

		for range 3 {
			topic := randTopic(r)
			var wantPlain, wantShared []string
			for k := range live {
				if refMatch(k.Filter, topic) {
					if k.Group == "" {
						wantPlain = append(wantPlain, k.Client+" "+k.Filter)
					} else {
						wantShared = append(wantShared, k.Group+" "+k.Filter+" "+k.Client)
					}
				}
			}
			m := ix.Match(topic)
			var gotPlain, gotShared []string
			for _, s := range m.Subs {
				gotPlain = append(gotPlain, s.Client+" "+s.Filter)
			}
			for _, g := range m.Shared {
				require.NotEmpty(t, g.Members)
				for _, s := range g.Members {
					require.Equal(t, g.Group, s.Group)
					require.Equal(t, g.Filter, s.Filter)
					gotShared = append(gotShared, g.Group+" "+g.Filter+" "+s.Client)
				}
			}
			slices.Sort(wantPlain)
			slices.Sort(gotPlain)
			slices.Sort(wantShared)
			slices.Sort(gotShared)
			require.Equal(t, wantPlain, gotPlain, "step %d topic %q", step, topic)
			require.Equal(t, wantShared, gotShared, "step %d topic %q", step, topic)
		}
	}
}
