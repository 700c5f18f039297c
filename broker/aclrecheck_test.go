// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// revocable lets every client connect, and read and publish everything
// until revoked (read) or revokedWrite is set; from then on no topic or
// filter with a "secret" level may be read, or published to.
type revocable struct{ revoked, revokedWrite atomic.Bool }

func (*revocable) ID() string { return "revocable" }
func (*revocable) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}
func (r *revocable) OnACLCheck(_ *broker.ClientInfo, topic string, a broker.Access) bool {
	if !strings.Contains(topic, "secret") {
		return true
	}
	if a == broker.AccessWrite {
		return !r.revokedWrite.Load()
	}
	return !r.revoked.Load()
}

// TestRecheckSubscriptionsConnected: after the ACL changes,
// RecheckSubscriptions removes the subscriptions of a connected client
// that it may no longer read (shared ones too), and keeps the others.
func TestRecheckSubscriptionsConnected(t *testing.T) {
	acl := &revocable{}
	ts := startServerHooks(t, broker.Options{}, acl)
	sub := connectC(t, ts, codec.V5, "rc-sub")
	sub.sub("rc/open/#", 1)
	sub.sub("rc/secret/#", 1)
	sub.sub("$share/g/rc/secret/x", 1)
	pub := connectC(t, ts, codec.V5, "rc-pub")
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "rc/secret/x", QoS: 1, Payload: []byte("before")}))
	require.Equal(t, "rc/secret/x", sub.recv().Topic)
	require.Equal(t, "rc/secret/x", sub.recv().Topic)

	acl.revoked.Store(true)
	require.Equal(t, 2, ts.RecheckSubscriptions())
	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "rc/secret/x", QoS: 1, Payload: []byte("after")}),
		"neither the plain nor the shared subscription is left")
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "rc/open/1", QoS: 1, Payload: []byte("open")}))
	require.Equal(t, "rc/open/1", sub.recv().Topic)
	sub.barrier()
	require.Equal(t, []codec.ReasonCode{codec.NotAuthorized}, sub.subscribe(codec.Subscription{Filter: "rc/secret/#", QoS: 1}))
	require.Zero(t, ts.RecheckSubscriptions(), "nothing left to remove")
}

// TestRecheckSubscriptionsOnResume: the subscriptions of a session
// without a connected client are checked when it resumes, and the
// messages queued for it on topics it may no longer read are dropped.
func TestRecheckSubscriptionsOnResume(t *testing.T) {
	acl := &revocable{}
	dc := make(disconnects, 4)
	ts := startServerHooks(t, broker.Options{}, acl, dc)
	sub := connectC(t, ts, codec.V5, "ro-sub", persistent(60))
	sub.sub("ro/open/#", 1)
	sub.sub("ro/secret/#", 1)
	sub.disconnect()
	dc.wait(t, "ro-sub")
	pub := connectC(t, ts, codec.V5, "ro-pub")
	pub.pubP(&codec.Publish{Topic: "ro/secret/1", QoS: 1, Payload: []byte("queued")})
	pub.pubP(&codec.Publish{Topic: "ro/open/1", QoS: 1, Payload: []byte("queued")})
	dropped := ts.Info().MessagesDropped

	acl.revoked.Store(true)
	require.Zero(t, ts.RecheckSubscriptions(), "an offline session is checked when it resumes")
	sub, ack := connect(t, ts, codec.V5, "ro-sub", persistent(60))
	require.True(t, ack.SessionPresent)
	require.Equal(t, "ro/open/1", sub.recv().Topic)
	sub.barrier()
	require.EqualValues(t, 1, ts.Info().MessagesDropped-dropped, "the queued secret message was dropped")
	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "ro/secret/2", QoS: 1}))
}

// TestRecheckSubscriptionsAfterRestart: subscriptions restored from
// storage are checked when their session resumes, against the rules of
// the new server, which may have changed while it was down.
func TestRecheckSubscriptionsAfterRestart(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	opts := broker.Options{Storage: storage.NewStore(mem, storage.Options{})}
	ts := startServerHooks(t, opts, &revocable{})
	sub := connectC(t, ts, codec.V5, "rr-sub", persistent(3600))
	sub.sub("rr/open/#", 1)
	sub.sub("rr/secret/#", 1)
	sub.disconnect()
	require.NoError(t, ts.Close())

	acl := &revocable{}
	acl.revoked.Store(true)
	opts.Storage = storage.NewStore(mem, storage.Options{})
	ts = startServerHooks(t, opts, acl)
	sub, ack := connect(t, ts, codec.V5, "rr-sub", persistent(3600))
	require.True(t, ack.SessionPresent)
	pub := connectC(t, ts, codec.V5, "rr-pub")
	require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: "rr/secret/1", QoS: 1}))
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "rr/open/1", QoS: 1}))
	require.Equal(t, "rr/open/1", sub.recv().Topic)
}

// TestWillRecheckedWhenPublished: a will is checked against the ACL again
// when it is published, so a client that may no longer publish to its
// will topic does not get it out; other wills still go.
func TestWillRecheckedWhenPublished(t *testing.T) {
	acl := &revocable{}
	dc := make(disconnects, 4)
	ts := startServerHooks(t, broker.Options{}, acl, dc)
	sub := connectC(t, ts, codec.V5, "wr-sub")
	sub.sub("wr/#", 0)
	secret := connectC(t, ts, codec.V5, "wr-secret", withWill("wr/secret/will", "bye", 0, false, 0))
	open := connectC(t, ts, codec.V5, "wr-open", withWill("wr/open/will", "bye", 0, false, 0))
	dropped := ts.Info().MessagesDropped

	acl.revokedWrite.Store(true)
	secret.close() // no DISCONNECT: the will is due
	dc.wait(t, "wr-secret")
	sub.barrier()
	require.EqualValues(t, 1, ts.Info().MessagesDropped-dropped, "the refused will is counted as dropped")
	open.close()
	dc.wait(t, "wr-open")
	require.Equal(t, "wr/open/will", sub.expectPublish().Topic)
}

// TestRecheckRemovesRetainedOfRevokedPublishers: after the ACL changes,
// a retained message whose publisher may no longer publish to its topic
// is removed, from storage too; other clients' retained messages and the
// inline client's stay (Mosquitto's CVE-2018-12546).
func TestRecheckRemovesRetainedOfRevokedPublishers(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	opts := broker.Options{Storage: storage.NewStore(mem, storage.Options{Mode: storage.ModeSync})}
	acl := &revocable{}
	ts := startServerHooks(t, opts, acl)
	pub := connectC(t, ts, codec.V5, "rt-pub")
	for _, topic := range []string{"rt/secret/a", "rt/open/b"} {
		require.Equal(t, codec.NoMatchingSubscribers, pub.pubP(&codec.Publish{Topic: topic, QoS: 1, Retain: true, Payload: []byte("x")}))
	}
	require.NoError(t, ts.Publish("rt/secret/inline", []byte("x"), true, 1))
	retained := func(ts *testServer) []string {
		sub := connectC(t, ts, codec.V5, "rt-sub")
		sub.sub("rt/#", 0)
		var got []string
		for range 2 {
			got = append(got, sub.expectPublish().Topic)
		}
		sub.barrier()
		sub.disconnect()
		return got
	}

	acl.revokedWrite.Store(true)
	require.Zero(t, ts.RecheckSubscriptions())
	require.ElementsMatch(t, []string{"rt/open/b", "rt/secret/inline"}, retained(ts))
	pub.disconnect()
	require.NoError(t, ts.Close())

	opts.Storage = storage.NewStore(mem, storage.Options{})
	ts = startServerHooks(t, opts, acl)
	require.ElementsMatch(t, []string{"rt/open/b", "rt/secret/inline"}, retained(ts), "removed from storage too")
}

// byPublisher lets every client connect and do everything, except that
// once revoked the client "rr-bad" with user name "ub" may no longer
// publish to a topic with a "secret" level.
type byPublisher struct{ revoked atomic.Bool }

func (*byPublisher) ID() string { return "by-publisher" }
func (*byPublisher) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}
func (b *byPublisher) OnACLCheck(cl *broker.ClientInfo, topic string, a broker.Access) bool {
	return !(b.revoked.Load() && a == broker.AccessWrite && cl.ID == "rr-bad" && cl.Username == "ub" &&
		strings.Contains(topic, "secret"))
}

// TestRecheckRemovesRestoredRetainedOfRevokedPublishers: storage keeps a
// retained message's publisher, so a server started after the publisher's
// access was revoked (its ACL file edited while it was down) removes the
// publisher's retained messages before any client connects; the others
// stay (Mosquitto's CVE-2018-12546, across restarts).
func TestRecheckRemovesRestoredRetainedOfRevokedPublishers(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	opts := broker.Options{Storage: storage.NewStore(mem, storage.Options{Mode: storage.ModeSync})}
	acl := &byPublisher{}
	ts := startServerHooks(t, opts, acl)
	for _, id := range []string{"rr-bad", "rr-good"} {
		pk := newConnect(codec.V5, id)
		pk.Username = codec.Ptr("ub")
		c := dial(t, ts, codec.V5)
		require.Equal(t, codec.Success, c.connect(pk).ReasonCode)
		require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: "rr/secret/" + id, QoS: 1, Retain: true, Payload: []byte("x")}))
		c.disconnect()
	}
	require.NoError(t, ts.Publish("rr/secret/inline", []byte("x"), true, 1))
	require.NoError(t, ts.Close())

	acl.revoked.Store(true) // while the server is down: Serve rechecks what it restores
	opts.Storage = storage.NewStore(mem, storage.Options{})
	ts = startServerHooks(t, opts, acl)
	sub := connectC(t, ts, codec.V5, "rr-sub")
	sub.sub("rr/#", 0)
	var got []string
	for range 2 {
		got = append(got, sub.expectPublish().Topic)
	}
	sub.barrier() // and no third
	require.ElementsMatch(t, []string{"rr/secret/rr-good", "rr/secret/inline"}, got)
}

// ownTopics lets every client connect; a client with a user name may read
// and write only topics under its user name (and a client without one
// everything).
type ownTopics struct{}

func (ownTopics) ID() string { return "own-topics" }
func (ownTopics) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}
func (ownTopics) OnACLCheck(cl *broker.ClientInfo, topic string, _ broker.Access) bool {
	return cl.Username == "" || strings.HasPrefix(topic, cl.Username+"/")
}

// TestResumeByAnotherUserIsRechecked: a session resumed (or taken over)
// by a client with another identity keeps only what the new identity may
// read: subscriptions, queued messages and unacknowledged messages of the
// old identity on topics it may not read are dropped, so reusing another
// user's client identifier does not reveal that user's messages.
func TestResumeByAnotherUserIsRechecked(t *testing.T) {
	ts := startServerHooks(t, broker.Options{}, ownTopics{})
	as := func(user string, opts ...connectOpt) *client {
		pk := newConnect(codec.V5, "shared-id", append(opts, persistent(600))...)
		pk.Username = codec.Ptr(user)
		c := dial(t, ts, codec.V5)
		require.Equal(t, codec.Success, c.connect(pk).ReasonCode)
		return c
	}
	bob := as("bob")
	bob.sub("bob/#", 1)
	pub := connectC(t, ts, codec.V5, "rr-pub")
	pub.pubP(&codec.Publish{Topic: "bob/inflight", QoS: 1, Payload: []byte("unacked")})
	require.Equal(t, "bob/inflight", bob.expectPublish().Topic) // not acknowledged
	bob.close()
	require.Eventually(t, func() bool { return ts.Info().ClientsConnected == 1 }, 10*time.Second, time.Millisecond)
	pub.pubP(&codec.Publish{Topic: "bob/queued", QoS: 1, Payload: []byte("queued")})

	alice := as("alice")
	alice.barrier() // neither the unacknowledged nor the queued message
	pub.pubP(&codec.Publish{Topic: "bob/live", QoS: 1, Payload: []byte("live")})
	alice.barrier() // nor one published now: bob's subscription is gone

	// Taking over a live connection is rechecked the same way.
	bob = as("bob")
	bob.sub("bob/#", 1)
	alice2 := as("alice")
	bob.expectEnd(codec.SessionTakenOver)
	pub.pubP(&codec.Publish{Topic: "bob/live", QoS: 1, Payload: []byte("live")})
	alice2.barrier()
}
