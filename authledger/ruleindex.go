// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import "strings"

// ruleIndex finds the rules (auth or ACL) that may apply to a client
// without testing every rule, so that a ledger with a rule per user costs
// each check a map lookup instead of a pass over thousands of rules: rules
// naming a literal user name (no '*') are found by user name, the others
// naming a literal client identifier by client identifier, and the
// remaining rules are always tested. Each list holds rule positions in
// document order.
type ruleIndex struct {
	byUser   map[string][]int
	byClient map[string][]int
	rest     []int
}

// literal reports whether a rule pattern matches one value only.
func literal(pattern string) bool { return pattern != "" && !strings.Contains(pattern, "*") }

// newRuleIndex indexes n rules whose identity fields who returns.
func newRuleIndex(n int, who func(i int) *who) ruleIndex {
	x := ruleIndex{byUser: map[string][]int{}, byClient: map[string][]int{}}
	for i := range n {
		w := who(i)
		switch {
		case literal(w.username):
			x.byUser[w.username] = append(x.byUser[w.username], i)
		case literal(w.client):
			x.byClient[w.client] = append(x.byClient[w.client], i)
		default:
			x.rest = append(x.rest, i)
		}
	}
	return x
}

// candidates returns, in rule order, the positions of the rules that may
// match id (each still has to be tested with who.match).
func (x *ruleIndex) candidates(id identity) candidates {
	return candidates{x.byUser[id.username], x.byClient[id.clientID], x.rest}
}

// candidates merges the three lists of a ruleIndex lookup.
type candidates struct{ a, b, c []int }

// next returns the next rule position; ok is false after the last.
func (m *candidates) next() (i int, ok bool) {
	// Each rule is in one list only: take the smallest head.
	l := &m.c
	if len(m.a) > 0 && (len(*l) == 0 || m.a[0] < (*l)[0]) {
		l = &m.a
	}
	if len(m.b) > 0 && (len(*l) == 0 || m.b[0] < (*l)[0]) {
		l = &m.b
	}
	if len(*l) == 0 {
		return 0, false
	}
	i, *l = (*l)[0], (*l)[1:]
	return i, true
}
