// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
)

type aclCase struct {
	name   string
	id     string
	user   string
	remote string
	topic  string
	access broker.Access
	want   bool
}

func runACL(t *testing.T, h *authledger.Hook, tests []aclCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, h.OnACLCheck(client(tt.id, tt.user, tt.remote), tt.topic, tt.access),
				"%s %q", map[broker.Access]string{broker.AccessRead: "subscribe", broker.AccessWrite: "publish"}[tt.access], tt.topic)
		})
	}
}

const (
	sub = broker.AccessRead
	pub = broker.AccessWrite
)

func TestACLBypassAttempts(t *testing.T) {
	h := mustHook(t, "acl:\n  - username: u\n    filters:\n      a/b: read\n")
	runACL(t, h, []aclCase{
		{"exact filter", "c", "u", "", "a/b", sub, true},
		{"shared exact", "c", "u", "", "$share/g/a/b", sub, true},
		{"multi-level wildcard", "c", "u", "", "#", sub, false},
		{"leading single-level", "c", "u", "", "+/b", sub, false},
		{"trailing single-level", "c", "u", "", "a/+", sub, false},
		{"parent and children", "c", "u", "", "a/b/#", sub, false}, // also a/b/x
		{"shared wildcard", "c", "u", "", "$share/g/#", sub, false},
		{"shared single-level", "c", "u", "", "$share/g/a/+", sub, false},
		{"malformed shared", "c", "u", "", "$share/g", sub, false},
		{"malformed shared group", "c", "u", "", "$share/g+/a/b", sub, false},
		{"sys", "c", "u", "", "$SYS/#", sub, false},
		{"malformed filter", "c", "u", "", "a/#/b", sub, false},
		{"empty filter", "c", "u", "", "", sub, false},
		{"read is not write", "c", "u", "", "a/b", pub, false},
		{"other user", "c", "v", "", "a/b", sub, false},
	})
}

func TestACLSubscriptionSubsumption(t *testing.T) {
	h := mustHook(t, `
acl:
  - username: u
    filters:
      a/secret: deny
      a/#: read
      b/+/x: read
      b/y/#: read
      c/#: readwrite
      c/w: write
      $SYS/broker/#: read
      '#': deny
`)
	runACL(t, h, []aclCase{
		{"wildcard hits an earlier deny", "c", "u", "", "a/#", sub, false},
		{"wildcard hits an earlier deny (+)", "c", "u", "", "a/+", sub, false},
		{"below the deny is fine", "c", "u", "", "a/secret/x", sub, true},
		{"sibling of deny", "c", "u", "", "a/open/#", sub, true},
		{"union covers: b/y/# and b/+/x", "c", "u", "", "b/y/x", sub, true},
		{"union does not cover b/+/#", "c", "u", "", "b/+/#", sub, false},
		{"b/+/x alone", "c", "u", "", "b/+/x", sub, true},
		{"readwrite grants read", "c", "u", "", "c/#", sub, true},
		{"write-only entry is shadowed by c/#", "c", "u", "", "c/w", sub, true},
		{"sys subtree granted", "c", "u", "", "$SYS/broker/#", sub, true},
		{"sys root not granted", "c", "u", "", "$SYS/#", sub, false},
		{"# is denied", "c", "u", "", "#", sub, false},
		{"+/# does not reach $SYS but reaches a/secret", "c", "u", "", "+/#", sub, false},
		{"publish under readwrite", "c", "u", "", "c/q", pub, true},
		{"publish to read-only", "c", "u", "", "a/x", pub, false},
		{"publish wildcard topic", "c", "u", "", "c/+", pub, false},
		{"publish empty topic", "c", "u", "", "", pub, false},
	})
}

func TestACLLeadingWildcardNeverReachesDollar(t *testing.T) {
	// [MQTT-4.7.2-1] "#" and "+/..." cannot deliver $SYS topics, so a deny
	// on $SYS/# does not block them, and a grant of "#" does not grant $SYS.
	h := mustHook(t, "acl:\n  - filters:\n      $SYS/#: deny\n      '#': read\n")
	runACL(t, h, []aclCase{
		{"# skips $SYS", "c", "", "", "#", sub, true},
		{"+/+ skips $SYS", "c", "", "", "+/+", sub, true},
		{"$SYS denied", "c", "", "", "$SYS/#", sub, false},
		{"$other not granted by #", "c", "", "", "$other/x", sub, false},
	})
}

func TestACLDefaults(t *testing.T) {
	for _, tc := range []struct {
		dflt     string
		sub, pub bool
	}{{"", false, false}, {"default: deny", false, false}, {"default: read", true, false}, {"default: write", false, true}, {"default: readwrite", true, true}} {
		h := mustHook(t, tc.dflt+"\nacl:\n  - filters:\n      x/#: deny\n")
		assert.Equal(t, tc.sub, h.OnACLCheck(client("c", "", ""), "a/b", sub), tc.dflt)
		assert.Equal(t, tc.pub, h.OnACLCheck(client("c", "", ""), "a/b", pub), tc.dflt)
		// A filter that reaches a denied topic is refused whatever the default.
		assert.False(t, h.OnACLCheck(client("c", "", ""), "#", sub), tc.dflt)
		assert.False(t, h.OnACLCheck(client("c", "", ""), "x/y", pub), tc.dflt)
	}
	// With default read, "#" is fine when nothing is denied.
	h := mustHook(t, "default: read\n")
	assert.True(t, h.OnACLCheck(client("c", "", ""), "#", sub))
	assert.True(t, h.OnACLCheck(client("c", "", ""), "$SYS/#", sub))
}

func TestACLRuleFieldsAndOrder(t *testing.T) {
	h := mustHook(t, `
acl:
  - client: 'admin-*'
    filters: {'#': readwrite}
  - remote: 10.0.0.0/8
    filters: {internal/#: read}
  - remote: '192.0.2.*:1883'
    filters: {lab/#: write}
  - username: alice
    client: phone
    filters: {alice/#: readwrite}
  - username: alice
    filters: {alice/public/#: read, alice/#: deny}
  - filters: {public/#: read}
`)
	runACL(t, h, []aclCase{
		{"client glob", "admin-1", "", "", "anything/at/all", pub, true},
		{"client glob no match", "user-1", "", "", "anything", pub, false},
		{"cidr", "c", "", "10.2.3.4:5", "internal/x", sub, true},
		{"cidr miss", "c", "", "11.2.3.4:5", "internal/x", sub, false},
		{"host glob and port", "c", "", "192.0.2.77:1883", "lab/1", pub, true},
		{"host glob wrong port", "c", "", "192.0.2.77:1884", "lab/1", pub, false},
		{"username and client", "phone", "alice", "", "alice/private", pub, true},
		{"username, other client falls to next rule", "laptop", "alice", "", "alice/private", pub, false},
		{"next rule's read", "laptop", "alice", "", "alice/public/#", sub, true},
		{"next rule's deny", "laptop", "alice", "", "alice/+", sub, false},
		{"rule without identity applies to everyone", "x", "y", "", "public/news", sub, true},
		{"earlier rule's filters come first", "phone", "alice", "", "alice/#", sub, true},
	})
}

func TestACLPlaceholders(t *testing.T) {
	h := mustHook(t, `
acl:
  - filters:
      'users/%u/#': readwrite
      'devices/%c/cmd': read
      'devices/dev-%c/state': write
      'pct/%%/%u': read
      'block/%u': deny
      'block/#': read
      '%u/private': deny
      '#': read
`)
	runACL(t, h, []aclCase{
		{"own user tree", "c", "bob", "", "users/bob/#", sub, true},
		{"own user publish", "c", "bob", "", "users/bob/x", pub, true},
		{"other user tree", "c", "bob", "", "users/eve/x", pub, false},
		{"client id", "d1", "", "", "devices/d1/cmd", sub, true},
		{"client id inside a level", "d1", "", "", "devices/dev-d1/state", pub, true},
		{"literal percent", "c", "bob", "", "pct/%/bob", sub, true},
		{"user # must not widen", "c", "#", "", "users/x/y", pub, false},
		{"user + must not widen", "c", "+", "", "users/x/y", pub, false},
		{"user with / must not widen", "c", "x/y", "", "users/x/y/z", pub, false},
		{"literal topic named like the odd user is not granted", "c", "#", "", "users/#/a", pub, false},
		{"client + must not widen", "+", "", "", "devices/x/cmd", sub, false},
		{"no user: no grant", "c", "", "", "users//x", pub, false},
		{"deny with safe user", "c", "bob", "", "block/bob", sub, false},
		{"deny with safe user, others readable", "c", "bob", "", "block/eve", sub, true},
		{"deny with odd user widens to block/#", "c", "a/b", "", "block/eve", sub, false},
		{"deny in first level with odd user blocks everything", "c", "a+", "", "public", sub, false},
		{"deny in first level with safe user", "c", "bob", "", "bob/private", sub, false},
		{"... and nothing else", "c", "bob", "", "alice/private", sub, true},
	})
}

func TestReloadIsAtomicUnderConcurrentChecks(t *testing.T) {
	allow, err := authledger.Parse([]byte("acl:\n  - filters: {'t/#': readwrite}\n"))
	require.NoError(t, err)
	deny, err := authledger.Parse([]byte("acl:\n  - filters: {'t/#': deny}\n"))
	require.NoError(t, err)
	h := authledger.New(authledger.Options{Ledger: allow})
	assert.Same(t, allow, h.Ledger())

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			cl := client("c", "", "")
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Either ledger answers consistently for both kinds of access.
				h.OnACLCheck(cl, "t/x", pub)
				h.OnACLCheck(cl, "t/#", sub)
			}
		})
	}
	for i := range 200 {
		if i%2 == 0 {
			h.Reload(deny)
		} else {
			h.Reload(allow)
		}
	}
	close(stop)
	wg.Wait()
	h.Reload(deny)
	assert.False(t, h.OnACLCheck(client("c", "", ""), "t/x", pub))
	h.Reload(nil)
	assert.Equal(t, authledger.Deny, h.Ledger().Default())
}

// TestPartialSubscriptions: partial_subscriptions decides a subscription
// readable only in part; one readable in full or not at all is decided the
// same either way.
func TestPartialSubscriptions(t *testing.T) {
	const rules = "acl:\n  - filters:\n      a/b: read\n"
	for _, tc := range []struct {
		setting string
		partly  broker.ReadScope
	}{
		{"", broker.ReadSome},
		{"partial_subscriptions: filter\n", broker.ReadSome},
		{"partial_subscriptions: refuse\n", broker.ReadNone},
	} {
		h := mustHook(t, tc.setting+rules)
		cl := client("c", "u", "")
		assert.Equal(t, tc.partly, h.OnACLReadScope(cl, "#"), "%q: # under a/b: read", tc.setting)
		assert.Equal(t, tc.partly, h.OnACLReadScope(cl, "a/+"), "%q: a/+ under a/b: read", tc.setting)
		assert.Equal(t, broker.ReadAll, h.OnACLReadScope(cl, "a/b"), "%q: a/b", tc.setting)
		assert.Equal(t, broker.ReadNone, h.OnACLReadScope(cl, "c/#"), "%q: c/#", tc.setting)
	}
}
