// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// noSecrets is an ACLScopeChecker: every client connects and publishes
// anywhere and reads every topic but those under "secret/" (while
// guarded is set). A filter under "secret/" is readable not at all, one
// that can match a "secret/..." topic ("#", "+/x") in part, any other in
// full.
type noSecrets struct{ open atomic.Bool }

func (*noSecrets) ID() string { return "no-secrets" }
func (*noSecrets) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}

func (n *noSecrets) OnACLCheck(_ *broker.ClientInfo, topic string, a broker.Access) bool {
	return a == broker.AccessWrite || n.OnACLReadScope(nil, topic) == broker.ReadAll
}

func (n *noSecrets) OnACLReadScope(_ *broker.ClientInfo, filter string) broker.ReadScope {
	if n.open.Load() {
		return broker.ReadAll
	}
	_, f, _, err := codec.ParseShared(filter)
	if err != nil {
		return broker.ReadNone
	}
	first, _, _ := strings.Cut(f, "/")
	switch {
	case first == "secret":
		return broker.ReadNone
	case first == "+" && f != "+", first == "#":
		return broker.ReadSome
	default:
		return broker.ReadAll
	}
}

// TestReadScopeFiltersDeliveries: a subscription an ACLScopeChecker grants
// in part (ReadSome) is granted, and delivers, keeps for an offline
// session and sends as retained only the messages on topics the client may
// read; a shared subscription needs ReadAll; a publisher whose only
// matching subscriber may not read its message hears 0x10.
func TestReadScopeFiltersDeliveries(t *testing.T) {
	ts := startServerHooks(t, broker.Options{}, &noSecrets{})
	pub := connectC(t, ts, codec.V5, "rs-pub")
	pub.pub("secret/r", "retained secret", 1, true)
	pub.pub("open/r", "retained open", 1, true)

	sub := connectC(t, ts, codec.V5, "rs-sub", persistent(60))
	require.Equal(t, []codec.ReasonCode{1, 1, codec.NotAuthorized, codec.NotAuthorized, 1},
		sub.subscribe(
			codec.Subscription{Filter: "#", QoS: 1},
			codec.Subscription{Filter: "+/x", QoS: 1},
			codec.Subscription{Filter: "secret/#", QoS: 1},
			codec.Subscription{Filter: "$share/g/#", QoS: 1},
			codec.Subscription{Filter: "$share/g/open/#", QoS: 1},
		))
	got := sub.recv()
	require.Equal(t, "open/r", got.Topic, "only the readable retained message is sent")
	require.True(t, got.Retain)

	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "secret/x", QoS: 1, Payload: []byte("s")}),
		"the only matching subscriber may not read it")
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "open/x", QoS: 1, Payload: []byte("o")}))
	got = sub.recv()
	require.Equal(t, "open/x", got.Topic, "delivered once, through both subscriptions")
	got = sub.recv()
	require.Equal(t, "open/x", got.Topic, "and once through the shared one")
	sub.barrier()

	// Offline: only what it may read is queued.
	sub.disconnect()
	pub.pub("secret/y", "s", 1, false)
	pub.pub("open/y", "o", 1, false)
	sub = connectC(t, ts, codec.V5, "rs-sub", persistent(60))
	require.Equal(t, "open/y", sub.recv().Topic)
	require.Equal(t, "open/y", sub.recv().Topic, "the shared group's copy")
	sub.barrier()
}

// TestRecheckKeepsPartlyReadableSubscriptions: when the ACL changes so that
// "#" is readable only in part, RecheckSubscriptions keeps it (it is not
// removed as unreadable) and from then on delivers through it only what
// the client may read; when everything is readable again, everything is
// delivered.
func TestRecheckKeepsPartlyReadableSubscriptions(t *testing.T) {
	acl := &noSecrets{}
	acl.open.Store(true)
	ts := startServerHooks(t, broker.Options{}, acl)
	sub := connectC(t, ts, codec.V5, "rk-sub")
	sub.sub("#", 1)
	pub := connectC(t, ts, codec.V5, "rk-pub")
	pub.pub("secret/1", "a", 1, false)
	require.Equal(t, "secret/1", sub.recv().Topic)

	acl.open.Store(false)
	require.Zero(t, ts.RecheckSubscriptions(), "a partly readable subscription is kept")
	require.Len(t, ts.Subscriptions("rk-sub"), 1)
	pub.pub("secret/2", "b", 1, false)
	pub.pub("open/2", "c", 1, false)
	require.Equal(t, "open/2", sub.recv().Topic)
	sub.barrier()

	acl.open.Store(true)
	require.Zero(t, ts.RecheckSubscriptions())
	pub.pub("secret/3", "d", 1, false)
	require.Equal(t, "secret/3", sub.recv().Topic)
}

// TestReadScopeAfterRestart: a subscription readable only in part is
// restored from storage without its check; messages queued for the
// offline session before it resumes are checked when it does, and the
// subscription, rechecked then, delivers only what the client may read.
func TestReadScopeAfterRestart(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	opts := broker.Options{Storage: storage.NewStore(mem, storage.Options{})}
	ts := startServerHooks(t, opts, &noSecrets{})
	sub := connectC(t, ts, codec.V5, "rsr-sub", persistent(3600))
	sub.sub("#", 1)
	sub.disconnect()
	require.NoError(t, ts.Close())

	opts.Storage = storage.NewStore(mem, storage.Options{})
	ts = startServerHooks(t, opts, &noSecrets{})
	pub := connectC(t, ts, codec.V5, "rsr-pub")
	pub.pub("secret/queued", "s", 1, false)
	pub.pub("open/queued", "o", 1, false)
	sub, ack := connect(t, ts, codec.V5, "rsr-sub", persistent(3600))
	require.True(t, ack.SessionPresent)
	require.Equal(t, "open/queued", sub.recv().Topic, "the unreadable queued message was dropped on resume")
	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "secret/1", QoS: 1}))
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "open/1", QoS: 1}))
	require.Equal(t, "open/1", sub.recv().Topic)
}

// gated reads "open/..." and the topics under a client's own user name for
// everyone, "secret/..." for alice only (and everything for her while
// aliceAll is set); "#" and "+/..." are readable in part. The first read-scope question about holdScope's user, or the
// first re-authentication while holdAuth is set, waits (entered, then
// gate). Its method "token" makes the authentication data the user name;
// every AUTH processed is reported on auths.
type gated struct {
	aliceAll      atomic.Bool
	holdScope     atomic.Value // string
	holdAuth      atomic.Bool
	entered, gate chan struct{}
	auths         chan struct{}
}

func newGated() *gated {
	g := &gated{entered: make(chan struct{}), gate: make(chan struct{}), auths: make(chan struct{}, 64)}
	g.holdScope.Store("")
	return g
}

func (*gated) ID() string { return "gated" }
func (*gated) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}

func (g *gated) scope(cl *broker.ClientInfo, filter string) broker.ReadScope {
	first, _, _ := strings.Cut(filter, "/")
	switch {
	case cl.Username == "alice" && g.aliceAll.Load():
		return broker.ReadAll
	case first == "open", first == cl.Username, first == "secret" && cl.Username == "alice":
		return broker.ReadAll
	case first == "#", first == "+" && filter != "+":
		return broker.ReadSome
	}
	return broker.ReadNone
}

func (g *gated) OnACLCheck(cl *broker.ClientInfo, topic string, acc broker.Access) bool {
	return acc == broker.AccessWrite || g.scope(cl, topic) == broker.ReadAll
}

func (g *gated) OnACLReadScope(cl *broker.ClientInfo, filter string) broker.ReadScope {
	if u := g.holdScope.Load().(string); u != "" && cl.Username == u && g.holdScope.CompareAndSwap(u, "") {
		g.entered <- struct{}{}
		<-g.gate
	}
	return g.scope(cl, filter)
}

func (*gated) SupportsAuthMethod(m string) bool { return m == "token" }
func (g *gated) OnEnhancedAuth(_ *broker.ClientInfo, ex *broker.AuthExchange) broker.AuthResult {
	if ex.Reauthenticate && g.holdAuth.CompareAndSwap(true, false) {
		g.entered <- struct{}{}
		<-g.gate
	}
	return broker.AuthResult{Code: codec.Success, Username: string(ex.Data)}
}

func (g *gated) OnPacketProcessed(_ *broker.ClientInfo, t codec.Type, _ error) {
	if t == codec.AUTH {
		select {
		case g.auths <- struct{}{}:
		default: // nobody counts them
		}
	}
}

func withUser(u string) connectOpt {
	return func(c *codec.Connect) { c.Username = codec.Ptr(u) }
}

// TestStaleRecheckDoesNotWidenATakenOverSession: a RecheckSubscriptions
// that found alice's "#" readable in full, but applies its answer only
// after mallory took the session over, does not turn off the read check
// for mallory: a recheck only ever turns checks on.
func TestStaleRecheckDoesNotWidenATakenOverSession(t *testing.T) {
	acl := newGated()
	ts := startServerHooks(t, broker.Options{}, acl)
	alice := connectC(t, ts, codec.V5, "st-shared", persistent(600), withUser("alice"))
	require.Equal(t, []codec.ReasonCode{1}, alice.subscribe(codec.Subscription{Filter: "#", QoS: 1}))

	acl.aliceAll.Store(true) // the ledger now lets alice read everything
	acl.holdScope.Store("alice")
	done := make(chan int)
	go func() { done <- ts.RecheckSubscriptions() }()
	<-acl.entered // the recheck is asking about alice's "#" and waits
	mallory, ack := connect(t, ts, codec.V5, "st-shared", persistent(600), withUser("mallory"))
	require.True(t, ack.SessionPresent)
	close(acl.gate)
	<-done

	pub := connectC(t, ts, codec.V5, "st-pub")
	pub.pub("secret/x", "for alice only", 1, false)
	pub.pub("open/x", "o", 1, false)
	require.Equal(t, "open/x", mallory.recv().Topic)
}

// TestReauthenticationSwitchesTheReader: a re-authentication that changes
// the user name switches the identity deliveries are checked for (under
// the session's lock: routing reads it from other goroutines, which the
// race detector checks here), and rechecks the subscriptions.
func TestReauthenticationSwitchesTheReader(t *testing.T) {
	ts := startServerHooks(t, broker.Options{}, newGated())
	token := func(user string) func(*codec.Connect) {
		return func(pk *codec.Connect) {
			pk.Properties.AuthMethod = codec.Ptr("token")
			pk.Properties.AuthData = []byte(user)
		}
	}
	c := connectC(t, ts, codec.V5, "ra-sub", token("alice"))
	require.Equal(t, []codec.ReasonCode{0}, c.subscribe(codec.Subscription{Filter: "#", QoS: 0}))
	pub := connectC(t, ts, codec.V5, "ra-pub")
	pub.pub("secret/1", "a", 0, false)
	require.Equal(t, "secret/1", c.expectPublish().Topic, "alice reads secret/...")

	reauth := func(user string) {
		a := &codec.Auth{ReasonCode: codec.ReAuthenticate}
		a.Properties.AuthMethod = codec.Ptr("token")
		a.Properties.AuthData = []byte(user)
		c.send(a)
		for { // deliveries of open/x may come first
			if a, ok := c.expect().(*codec.Auth); ok {
				require.Equal(t, codec.Success, a.ReasonCode)
				return
			}
		}
	}
	for i := range 50 { // routing and re-authentication side by side
		reauth([]string{"alice", "bob"}[i%2])
		pub.pub("open/x", "o", 0, false)
	}
	reauth("bob")
	pub.pub("secret/2", "b", 0, false)
	pub.pub("open/2", "o", 0, false)
	for {
		p := c.expectPublish()
		if p.Topic != "open/x" {
			require.Equal(t, "open/2", p.Topic, "bob does not read secret/...")
			return
		}
	}
}

// TestNoAttachBetweenARecheckAndItsAttach: while mallory's resume is being
// rechecked, alice (same client identifier) cannot attach: if she did, and
// subscribed to what only she may read, mallory would then take the
// session over unchecked. Alice attaches after mallory instead, taking the
// session over from her.
func TestNoAttachBetweenARecheckAndItsAttach(t *testing.T) {
	for _, clean := range []bool{false, true} {
		t.Run(map[bool]string{false: "resume", true: "clean start"}[clean], func(t *testing.T) {
			g := newGated()
			ts := startServerHooks(t, broker.Options{}, g)
			alice := connectC(t, ts, codec.V5, "na", persistent(600), withUser("alice"))
			alice.sub("open/#", 1)
			alice.disconnect()

			g.holdScope.Store("mallory")
			mallory := dial(t, ts, codec.V5)
			mallory.send(newConnect(codec.V5, "na", persistent(600), withUser("mallory")))
			<-g.entered // mallory's recheck of alice's session is under way

			alice2 := dial(t, ts, codec.V5)
			opts := []connectOpt{persistent(600), withUser("alice")}
			if clean {
				opts = append(opts, func(c *codec.Connect) { c.CleanStart = true })
			}
			alice2.send(newConnect(codec.V5, "na", opts...))
			subscribed := make(chan struct{})
			go func() {
				defer close(subscribed)
				if ack, ok := alice2.expect().(*codec.Connack); ok && ack.ReasonCode == codec.Success {
					alice2.sub("secret/#", 1)
				}
			}()
			close(g.gate)
			require.Equal(t, codec.Success, expectT[*codec.Connack](mallory).ReasonCode)
			<-subscribed

			pub := connectC(t, ts, codec.V5, "na-pub")
			pub.pub("secret/x", "for alice only", 1, false)
			pub.pub("open/x", "o", 1, false)
			// Alice took the session over from mallory, who gets nothing more.
			mallory.expectEnd(codec.SessionTakenOver)
			require.Equal(t, "secret/x", alice2.recv().Topic)
		})
	}
}

// TestReauthenticationAfterTakeover: a re-authentication that completes
// after its connection was taken over changes that connection only, not
// the session another client now holds; a later client with that user
// name is then rechecked when it resumes.
func TestReauthenticationAfterTakeover(t *testing.T) {
	g := newGated()
	ts := startServerHooks(t, broker.Options{}, g)
	x := connectC(t, ts, codec.V5, "rt", persistent(600), func(pk *codec.Connect) {
		pk.Properties.AuthMethod = codec.Ptr("token")
		pk.Properties.AuthData = []byte("x")
	})
	g.holdAuth.Store(true)
	au := &codec.Auth{ReasonCode: codec.ReAuthenticate}
	au.Properties.AuthMethod = codec.Ptr("token")
	au.Properties.AuthData = []byte("carol")
	x.send(au)
	<-g.entered
	bob := connectC(t, ts, codec.V5, "rt", persistent(600), withUser("bob"))
	close(g.gate)
	<-g.auths // x's re-authentication, finished after the takeover
	si, _ := ts.Session("rt")
	require.Equal(t, "bob", si.Username, "the session stays bob's")
	bob.sub("bob/#", 1)
	bob.disconnect()

	carol, ack := connect(t, ts, codec.V5, "rt", persistent(600), withUser("carol"))
	require.True(t, ack.SessionPresent)
	require.Empty(t, ts.Subscriptions("rt"), "bob's subscription was rechecked for carol and removed")
	pub := connectC(t, ts, codec.V5, "rt-pub")
	pub.pub("bob/private", "for bob only", 1, false)
	carol.barrier()
}

// TestRecheckBesideReauthentication: RecheckSubscriptions reads a
// connection's identity under the session's lock while re-authentications
// replace it (the race detector checks).
func TestRecheckBesideReauthentication(t *testing.T) {
	g := newGated()
	ts := startServerHooks(t, broker.Options{}, g)
	c := connectC(t, ts, codec.V5, "rb", func(pk *codec.Connect) {
		pk.Properties.AuthMethod = codec.Ptr("token")
		pk.Properties.AuthData = []byte("alice")
	})
	c.sub("open/#", 0)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				ts.RecheckSubscriptions()
			}
		}
	}()
	for i := range 100 {
		a := &codec.Auth{ReasonCode: codec.ReAuthenticate}
		a.Properties.AuthMethod = codec.Ptr("token")
		a.Properties.AuthData = []byte([]string{"alice", "bob"}[i%2])
		c.send(a)
		expectT[*codec.Auth](c)
	}
	close(stop)
	<-done
}

// TestReadScopeRetainedNotCrowdedOut: unreadable retained messages met
// first by a partly readable subscription's walk take none of the room
// the client has for retained messages (about 100 here): the readable
// ones after them are sent.
func TestReadScopeRetainedNotCrowdedOut(t *testing.T) {
	ts := startServerHooks(t, broker.Options{Limits: broker.Limits{MaxOutboundBytes: 600}}, &noSecrets{})
	for i := range 300 {
		require.NoError(t, ts.Publish(fmt.Sprintf("secret/%d", i), []byte("s"), true, 0))
	}
	require.NoError(t, ts.Publish("open/1", []byte("o"), true, 0))
	require.NoError(t, ts.Publish("open/2", []byte("o"), true, 0))
	sub := connectC(t, ts, codec.V5, "crowd")
	sub.sub("#", 0)
	require.Equal(t, "open/1", sub.recv().Topic)
	require.Equal(t, "open/2", sub.recv().Topic)
	sub.barrier()
}
