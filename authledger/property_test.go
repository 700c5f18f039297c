// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"pgregory.net/rapid"
)

// The reference below shares no code with the package: it matches topics
// level by level as section 4.7 reads, and decides a subscription by brute
// force over every topic of a universe large enough to tell all generated
// filters apart (filters have at most 3 levels, so topics of 4 levels stand
// for every longer one; "z" and "$z" stand for levels no filter names).

var (
	ruleLevels  = []string{"a", "b", "$SYS", "", "+", "#", "%u"}
	topicLevels = []string{"a", "b", "$SYS", "", "z", "$z"}
	accessNames = []string{"deny", "read", "write", "readwrite"}
)

type refEntry struct {
	filter string
	access string
}

func refMatch(filter, topic string) bool {
	fl, tl := strings.Split(filter, "/"), strings.Split(topic, "/")
	if strings.HasPrefix(tl[0], "$") && (fl[0] == "+" || fl[0] == "#") {
		return false
	}
	for i, f := range fl {
		if f == "#" {
			return true
		}
		if i >= len(tl) || (f != "+" && f != tl[i]) {
			return false
		}
	}
	return len(fl) == len(tl)
}

func refReadable(entries []refEntry, dflt, topic string) bool {
	for _, e := range entries {
		if refMatch(e.filter, topic) {
			return e.access == "read" || e.access == "readwrite"
		}
	}
	return dflt == "read" || dflt == "readwrite"
}

func universe() []string {
	var out []string
	var grow func(prefix []string)
	grow = func(prefix []string) {
		if len(prefix) > 0 {
			if t := strings.Join(prefix, "/"); t != "" {
				out = append(out, t)
			}
		}
		if len(prefix) == 4 {
			return
		}
		for _, l := range topicLevels {
			if len(prefix) > 0 && strings.HasPrefix(l, "$") && l != "$SYS" {
				continue // "$z" is only interesting as a first level
			}
			grow(append(prefix, l))
		}
	}
	grow(nil)
	return out
}

func genFilter(levels []string) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		n := rapid.IntRange(1, 3).Draw(t, "depth")
		parts := make([]string, n)
		for i := range parts {
			choices := levels
			if i < n-1 {
				choices = without(levels, "#")
			}
			parts[i] = rapid.SampledFrom(choices).Draw(t, "level")
		}
		return strings.Join(parts, "/")
	}).Filter(func(f string) bool { return f != "" }) // "" is no filter [MQTT-4.7.3-1]
}

func without(ss []string, drop string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

func TestPropertySubscriptionNeverExceedsRules(t *testing.T) {
	topics := universe()
	rapid.Check(t, func(t *rapid.T) {
		user := rapid.SampledFrom([]string{"a", "b"}).Draw(t, "user")
		dflt := rapid.SampledFrom(accessNames).Draw(t, "default")
		var doc strings.Builder
		fmt.Fprintf(&doc, "default: %s\nacl:\n", dflt)
		var applying []refEntry
		nRules := rapid.IntRange(1, 3).Draw(t, "rules")
		for r := range nRules {
			ruleUser := rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "ruleUser")
			fmt.Fprintf(&doc, "  - filters:\n")
			seen := map[string]bool{}
			nFilters := rapid.IntRange(1, 4).Draw(t, "filters")
			for range nFilters {
				f := genFilter(ruleLevels).Draw(t, "filter")
				if seen[f] {
					continue
				}
				seen[f] = true
				a := rapid.SampledFrom(accessNames).Draw(t, "access")
				fmt.Fprintf(&doc, "      '%s': %s\n", f, a)
				if ruleUser == "" || ruleUser == user {
					applying = append(applying, refEntry{strings.ReplaceAll(f, "%u", user), a})
				}
			}
			if ruleUser != "" {
				fmt.Fprintf(&doc, "    username: %s\n", ruleUser)
			}
			// Keep rules distinct so that the ledger never sees duplicates.
			fmt.Fprintf(&doc, "    client: '*%s'\n", strings.Repeat("*", r))
		}
		l, err := authledger.Parse([]byte(doc.String()))
		if err != nil {
			t.Fatalf("generated ledger rejected: %v\n%s", err, doc.String())
		}
		h := authledger.New(authledger.Options{Ledger: l})

		filter := genFilter(without(ruleLevels, "%u")).Draw(t, "subscription")
		sub := filter
		if rapid.Bool().Draw(t, "shared") {
			sub = "$share/g/" + filter
		}
		got := h.OnACLCheck(client("cid", user, ""), sub, 1)

		want, witness := true, ""
		for _, topic := range topics {
			if refMatch(filter, topic) && !refReadable(applying, dflt, topic) {
				want, witness = false, topic
				break
			}
		}
		if got && !want {
			t.Fatalf("granted %q although it delivers %q, which the rules do not let %q read\n%s", sub, witness, user, doc.String())
		}
		// The analysis is exact, so it should not refuse what is safe either.
		if !got && want {
			t.Fatalf("refused %q although every topic it delivers is readable\n%s", sub, doc.String())
		}

		// OnACLReadScope: ReadAll exactly when OnACLCheck grants; otherwise
		// ReadSome exactly when some topic of the universe it matches is
		// readable.
		some := false
		for _, topic := range topics {
			if refMatch(filter, topic) && refReadable(applying, dflt, topic) {
				some = true
				break
			}
		}
		wantScope := broker.ReadNone
		switch {
		case want:
			wantScope = broker.ReadAll
		case some:
			wantScope = broker.ReadSome
		}
		if scope := h.OnACLReadScope(client("cid", user, ""), sub); scope != wantScope {
			t.Fatalf("read scope of %q is %d, want %d (some topic readable: %v)\n%s", sub, scope, wantScope, some, doc.String())
		}
	})
}

func TestPropertyPublishMatchesReference(t *testing.T) {
	topics := universe()
	rapid.Check(t, func(t *rapid.T) {
		dflt := rapid.SampledFrom(accessNames).Draw(t, "default")
		var doc strings.Builder
		fmt.Fprintf(&doc, "default: %s\nacl:\n  - filters:\n", dflt)
		var entries []refEntry
		seen := map[string]bool{}
		for range rapid.IntRange(1, 5).Draw(t, "filters") {
			f := genFilter(without(ruleLevels, "%u")).Draw(t, "filter")
			if seen[f] {
				continue
			}
			seen[f] = true
			a := rapid.SampledFrom(accessNames).Draw(t, "access")
			fmt.Fprintf(&doc, "      '%s': %s\n", f, a)
			entries = append(entries, refEntry{f, a})
		}
		l, err := authledger.Parse([]byte(doc.String()))
		if err != nil {
			t.Fatalf("generated ledger rejected: %v\n%s", err, doc.String())
		}
		h := authledger.New(authledger.Options{Ledger: l})
		topic := rapid.SampledFrom(topics).Draw(t, "topic")
		want := dflt == "write" || dflt == "readwrite"
		for _, e := range entries {
			if refMatch(e.filter, topic) {
				want = e.access == "write" || e.access == "readwrite"
				break
			}
		}
		if got := h.OnACLCheck(client("c", "", ""), topic, 2); got != want {
			t.Fatalf("publish %q: got %v, want %v\n%s", topic, got, want, doc.String())
		}
	})
}
