// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"encoding/binary"
	"log/slog"
	"strings"
)

// Deciding a subscription.
//
// A filter F may be granted only if every topic t that F matches is decided
// "readable": the first entry whose filter matches t grants Read, or no
// entry matches t and the default grants Read. Checking F against each
// entry's filter alone is not enough: with "a/b: read" a subscription to
// "a/+" would also deliver "a/c"; with "a/x: deny" before "a/#: read" the
// subscription "a/#" would deliver "a/x".
//
// Topic filters are deterministic automata over topic levels, so the
// question is decided exactly by searching the product automaton of F and
// every entry for a topic that F accepts and the entries do not grant. Only
// the levels spelled out in some filter can tell topics apart; every other
// level behaves alike, so the search tries each literal that a live filter
// expects next plus one "fresh" level (and, at the first level, a fresh
// level starting with '$', which '+' and '#' do not match [MQTT-4.7.2-1]).
// Visited states are memoised, so the search ends; a budget caps pathological
// ledgers, and running out of budget is sound rather than complete: the
// filter is then not readable in full, and readable in part (the broker
// checks each delivery, exactly).

const (
	posDead = -1
	// searchBudget bounds the states visited for one subscription check.
	searchBudget = 50000
	// freshLevel and freshDollar stand for levels no filter spells out;
	// filter levels never contain U+0000, so they equal no literal.
	freshLevel  = "\x00"
	freshDollar = "$\x00"
)

// everyTopicReadable reports whether every topic matched by the filter
// levels f is readable under entries and dflt.
func everyTopicReadable(entries []entry, dflt Access, f []string) bool {
	return everyTopicIs(entries, dflt, f, true)
}

// someTopicReadable reports whether some topic matched by the filter
// levels f is readable under entries and dflt. When the search runs out
// of budget it answers true: it only decides whether a subscription is
// granted with a check of each delivery (broker.ReadSome), and that check
// is exact.
func someTopicReadable(entries []entry, dflt Access, f []string) bool {
	return !everyTopicIs(entries, dflt, f, false)
}

// everyTopicIs reports whether every topic matched by the filter levels f
// is readable (want) or unreadable (!want) under entries and dflt; false
// when the search runs out of budget.
func everyTopicIs(entries []entry, dflt Access, f []string, want bool) bool {
	// Entries that share no topic with F can never decide one of its topics.
	live := make([]entry, 0, len(entries))
	for _, e := range entries {
		if e.any || intersects(e.levels, f) {
			live = append(live, e)
		}
	}
	s := &search{
		f:       f,
		want:    want,
		entries: live,
		dfltOK:  dflt.allows(Read),
		seen:    make(map[string]struct{}),
		budget:  searchBudget,
	}
	start := make([]int, len(live)+1) // all at level 0
	ok := s.visit(start, 0, false)
	if s.budget < 0 {
		if want {
			slog.Warn("authledger: subscription check exceeded its search budget; denying",
				"filter", strings.Join(f, "/"), "entries", len(live))
		}
		return false
	}
	return ok
}

type search struct {
	f       []string
	want    bool // the readability every topic of F is checked for
	entries []entry
	dfltOK  bool
	seen    map[string]struct{}
	budget  int
}

// levelsOf returns the filter of automaton i: 0 is F, i > 0 is entry i-1.
func (s *search) levelsOf(i int) ([]string, bool) {
	if i == 0 {
		return s.f, false
	}
	e := &s.entries[i-1]
	return e.levels, e.any
}

func accepting(levels []string, any bool, pos int) bool {
	if pos == posDead {
		return false
	}
	return any || pos == len(levels) || levels[pos] == "#"
}

// absorbing reports whether the automaton accepts the current topic and
// every extension of it.
func absorbing(levels []string, any bool, pos int) bool {
	return pos != posDead && (any || (pos < len(levels) && levels[pos] == "#"))
}

func step(levels []string, any bool, pos, depth int, sym string) int {
	if pos == posDead || any {
		return pos
	}
	if pos == len(levels) {
		return posDead
	}
	switch l := levels[pos]; l {
	case "#", "+":
		if depth == 0 && strings.HasPrefix(sym, "$") {
			return posDead // [MQTT-4.7.2-1]
		}
		if l == "#" {
			return pos
		}
		return pos + 1
	default:
		if sym == l {
			return pos + 1
		}
		return posDead
	}
}

// visit explores the topics whose first depth levels led to state; it
// returns false as soon as it finds a topic F matches whose readability is
// not s.want.
// empty is true when the topic so far is a single empty level: "" is no
// topic name [MQTT-4.7.3-1], so "/#" does not deliver it, though it may
// deliver its extensions.
func (s *search) visit(state []int, depth int, empty bool) bool {
	if depth > 0 {
		key := stateKey(state, empty)
		if _, ok := s.seen[key]; ok {
			return true
		}
		s.seen[key] = struct{}{}
	}
	s.budget--
	if s.budget < 0 {
		return false
	}
	if depth > 0 && !empty && accepting(s.f, false, state[0]) && s.decide(state) != s.want {
		return false
	}
	// Once the first live entry accepts every extension, it decides all of
	// them: nothing deeper needs exploring.
	first := -1
	for i := 1; i < len(state); i++ {
		if state[i] != posDead {
			first = i
			break
		}
	}
	fPos := state[0]
	fExtends := fPos < len(s.f) // F can still accept a longer topic
	if !fExtends {
		return true
	}
	if first < 0 {
		return s.dfltOK == s.want
	}
	// At the first level a '#' entry is not absorbing: it skips '$' levels.
	if lv, any := s.levelsOf(first); (depth > 0 || any) && absorbing(lv, any, state[first]) {
		return s.entries[first-1].access.allows(Read) == s.want
	}
	for _, sym := range s.symbols(state, depth) {
		next := make([]int, len(state))
		for i, pos := range state {
			lv, any := s.levelsOf(i)
			next[i] = step(lv, any, pos, depth, sym)
		}
		if next[0] == posDead {
			continue
		}
		if !s.visit(next, depth+1, depth == 0 && sym == "") {
			return false
		}
	}
	return true
}

// decide reports whether the topic ending in state is readable.
func (s *search) decide(state []int) bool {
	for i := 1; i < len(state); i++ {
		lv, any := s.levelsOf(i)
		if accepting(lv, any, state[i]) {
			return s.entries[i-1].access.allows(Read)
		}
	}
	return s.dfltOK
}

// symbols lists the levels worth trying next: every literal a live filter
// expects at this point, and the fresh levels.
func (s *search) symbols(state []int, depth int) []string {
	syms := []string{freshLevel}
	if depth == 0 {
		syms = append(syms, freshDollar)
	}
	for i, pos := range state {
		lv, any := s.levelsOf(i)
		if pos == posDead || any || pos >= len(lv) {
			continue
		}
		if l := lv[pos]; l != "+" && l != "#" && !contains(syms, l) {
			syms = append(syms, l)
		}
	}
	return syms
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func stateKey(state []int, empty bool) string {
	b := make([]byte, 0, 2*len(state)+1)
	if empty {
		b = append(b, 0xff) // never the first byte of a uvarint below 128
	}
	for _, p := range state {
		b = binary.AppendUvarint(b, uint64(p+1))
	}
	return string(b)
}

// intersects reports whether some topic matches both filters.
func intersects(a, b []string) bool {
	wild := func(l string) bool { return l == "+" || l == "#" }
	for i := 0; ; i++ {
		ai, bi := i < len(a), i < len(b)
		if i == 0 && ai && bi {
			// [MQTT-4.7.2-1]: a leading wildcard never meets a '$' level.
			if wild(a[0]) && !wild(b[0]) && strings.HasPrefix(b[0], "$") ||
				wild(b[0]) && !wild(a[0]) && strings.HasPrefix(a[0], "$") {
				return false
			}
		}
		if ai && a[i] == "#" || bi && b[i] == "#" {
			return true
		}
		if !ai || !bi {
			return ai == bi
		}
		if a[i] != "+" && b[i] != "+" && a[i] != b[i] {
			return false
		}
	}
}
