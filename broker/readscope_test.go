// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
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
