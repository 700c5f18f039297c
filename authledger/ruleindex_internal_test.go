// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRuleIndexMatchesFullScan: for random ledgers whose rules name user
// names and client identifiers literally, by glob or not at all, the ACL
// rules the index offers and who.match accepts are exactly, and in the
// same order, those a test of every rule accepts, and the auth rule found
// is the first that matches.
func TestRuleIndexMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pattern := func() string {
		switch rng.IntN(4) {
		case 0:
			return ""
		case 1:
			return fmt.Sprintf("n%d*", rng.IntN(2))
		default:
			return fmt.Sprintf("n%d", rng.IntN(4))
		}
	}
	checked := 0
	for range 400 {
		var doc strings.Builder
		for _, section := range []string{"acl", "auth"} {
			doc.WriteString(section + ":\n")
			for r := range 1 + rng.IntN(12) {
				if section == "acl" {
					doc.WriteString("  - filters: {'t/" + fmt.Sprint(r) + "': read}\n")
				} else {
					doc.WriteString("  - allow: true\n")
				}
				if p := pattern(); p != "" {
					doc.WriteString("    username: '" + p + "'\n")
				}
				if p := pattern(); p != "" {
					doc.WriteString("    client: '" + p + "'\n")
				}
			}
		}
		l, err := Parse([]byte(doc.String()))
		if err != nil && strings.Contains(err.Error(), "duplicate rule") {
			continue // two auth rules with the same identity fields are refused
		}
		require.NoError(t, err, doc.String())
		checked++
		for range 10 {
			id := identity{clientID: fmt.Sprintf("n%d", rng.IntN(5)), username: fmt.Sprintf("n%d", rng.IntN(5))}
			var want, got []int
			for i := range l.acl {
				if l.acl[i].who.match(id) {
					want = append(want, i)
				}
			}
			c := l.aclIndex.candidates(id)
			for i, ok := c.next(); ok; i, ok = c.next() {
				if l.acl[i].who.match(id) {
					got = append(got, i)
				}
			}
			require.Equal(t, want, got, "%+v in\n%s", id, doc.String())
			var first *authRule
			for i := range l.auth {
				if l.auth[i].who.match(id) {
					first = &l.auth[i]
					break
				}
			}
			require.Same(t, first, l.authRuleFor(id), "%+v in\n%s", id, doc.String())
		}
	}
	require.Greater(t, checked, 100, "ledgers checked")
}

// BenchmarkACLCheck: a publish check costs the same with one rule per user
// for 1 or 10,000 users (the index finds the user's rules by name).
func BenchmarkACLCheck(b *testing.B) {
	for _, users := range []int{1, 100, 10000} {
		b.Run(fmt.Sprint(users, "-users"), func(b *testing.B) {
			var doc strings.Builder
			doc.WriteString("default: deny\nacl:\n")
			for i := range users {
				fmt.Fprintf(&doc, "  - username: user%d\n    filters:\n      'users/user%d/#': readwrite\n", i, i)
			}
			doc.WriteString("  - filters:\n      'public/#': readwrite\n")
			l, err := Parse([]byte(doc.String()))
			require.NoError(b, err)
			id := identity{clientID: "c1", username: fmt.Sprint("user", users/2), remote: "127.0.0.1:5000"}
			topic := fmt.Sprintf("users/user%d/telemetry/temp", users/2)
			b.ReportAllocs()
			for b.Loop() {
				if !canPublish(l.entries(id, Write), l.dflt, topic) {
					b.Fatal("denied")
				}
			}
		})
	}
}

// BenchmarkReadCheck: the check of one delivery through a subscription
// readable in part (a topic name, first entry matching) against the
// search a subscription check runs for the same string.
func BenchmarkReadCheck(b *testing.B) {
	l, err := Parse([]byte("default: deny\nacl:\n  - filters:\n      'secret/#': deny\n      'site/+/private/#': deny\n      '#': read\n"))
	require.NoError(b, err)
	id := identity{clientID: "c1", username: "u", remote: "127.0.0.1:5000"}
	topic := "site/7/sensors/temp"
	b.Run("delivery", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !canRead(l.entries(id, Read), l.dflt, topic) {
				b.Fatal("denied")
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !canSubscribe(l.entries(id, Read), l.dflt, topic) {
				b.Fatal("denied")
			}
		}
	})
}
