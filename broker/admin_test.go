// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestClientsAndDisconnectClient: Clients lists the connected clients;
// DisconnectClient ends one from the server side with a DISCONNECT carrying
// the reason code (v5) or a plain close (v3), and its will is published.
func TestClientsAndDisconnectClient(t *testing.T) {
	dc := make(disconnects, 4)
	ts := startServer(t, broker.Options{}, dc)
	watcher := connectC(t, ts, codec.V5, "adm-watcher")
	watcher.sub("adm/will/#", 0)
	v5 := connectC(t, ts, codec.V5, "adm-v5", withWill("adm/will/v5", "gone", 0, false, 0))
	v3 := connectC(t, ts, codec.V311, "adm-v3", withWill("adm/will/v3", "gone", 0, false, 0))

	var ids []string
	var versions []codec.Version
	for _, cl := range ts.Clients() {
		ids = append(ids, cl.ID)
		versions = append(versions, cl.ProtocolVersion)
	}
	require.Equal(t, []string{"adm-v3", "adm-v5", "adm-watcher"}, ids, "sorted by client identifier")
	require.Equal(t, []codec.Version{codec.V311, codec.V5, codec.V5}, versions)

	require.Error(t, ts.DisconnectClient("adm-nobody", codec.AdministrativeAction), "not connected")
	require.Error(t, ts.DisconnectClient("adm-v5", codec.DisconnectWithWill), "a client's code")
	require.Error(t, ts.DisconnectClient("adm-v5", codec.NoMatchingSubscribers), "not a DISCONNECT code")

	require.NoError(t, ts.DisconnectClient("adm-v5", codec.AdministrativeAction))
	v5.expectEnd(codec.AdministrativeAction)
	dc.wait(t, "adm-v5")
	require.Equal(t, "adm/will/v5", watcher.expectPublish().Topic, "the will of a client the server disconnected is published")

	require.NoError(t, ts.DisconnectClient("adm-v3", codec.AdministrativeAction))
	v3.expectClosed()
	dc.wait(t, "adm-v3")
	require.Equal(t, "adm/will/v3", watcher.expectPublish().Topic)

	ids = ids[:0]
	for _, cl := range ts.Clients() {
		ids = append(ids, cl.ID)
	}
	require.Equal(t, []string{"adm-watcher"}, ids)
}

// TestSubscriptionsAndRetained: an embedder can read a session's
// subscriptions (offline too) and the retained messages under a filter.
func TestSubscriptionsAndRetained(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "intro", persistent(60))
	c.subscribe(codec.Subscription{Filter: "b/#", QoS: 1, NoLocal: true}, codec.Subscription{Filter: "$share/g/a/+", QoS: 2})
	c.disconnect()
	require.Equal(t, []codec.Subscription{{Filter: "$share/g/a/+", QoS: 2}, {Filter: "b/#", QoS: 1, NoLocal: true}},
		ts.Subscriptions("intro"))
	require.Nil(t, ts.Subscriptions("nobody"))

	require.NoError(t, ts.Publish("r/1", []byte("one"), true, 1))
	require.NoError(t, ts.Publish("r/2", []byte("two"), true, 0))
	require.NoError(t, ts.Publish("s/1", []byte("other"), true, 0))
	got, err := ts.Retained("r/#", 0)
	require.NoError(t, err)
	var topics []string
	for _, p := range got {
		topics = append(topics, p.Topic+"="+string(p.Payload))
	}
	require.ElementsMatch(t, []string{"r/1=one", "r/2=two"}, topics)
	for _, p := range got {
		p.Payload[0] = 'X' // copies: the store keeps its own
	}
	again, err := ts.Retained("r/#", 0)
	require.NoError(t, err)
	for _, p := range again {
		require.NotEqual(t, byte('X'), p.Payload[0])
	}
	one, err := ts.Retained("r/#", 1)
	require.NoError(t, err)
	require.Len(t, one, 1)
	_, err = ts.Retained("r/#/x", 0)
	require.Error(t, err)
}

// TestSessionInfo: Session and Sessions describe a session's connection,
// expiry, will, subscriptions, queued, unacknowledged and unreleased
// messages, while connected and after the client is gone.
func TestSessionInfo(t *testing.T) {
	ts := startServer(t, broker.Options{})
	window1 := func(c *codec.Connect) { c.Properties.ReceiveMaximum = codec.Ptr(uint16(1)) }
	c := connectC(t, ts, codec.V5, "si", persistent(60), window1, withWill("si/will", "bye", 0, false, 30))
	c.subscribe(codec.Subscription{Filter: "si/a", QoS: 1}, codec.Subscription{Filter: "si/b/#", QoS: 1})
	pub := connectC(t, ts, codec.V311, "si-pub")

	si, ok := ts.Session("si")
	require.True(t, ok)
	require.True(t, si.Connected)
	require.Equal(t, "si", si.Client.ID)
	require.Equal(t, codec.V5, si.ProtocolVersion)
	require.Equal(t, uint32(60), si.ExpiryInterval)
	require.Equal(t, 2, si.Subscriptions)
	require.Zero(t, si.ExpiresAt, "a connected session does not expire")
	require.Zero(t, si.WillAt)

	// Two QoS 1 messages, a window of one, no PUBACK: one in flight, one queued.
	pub.pub("si/a", "one", 1, false)
	pub.pub("si/b/c", "two", 1, false)
	require.Equal(t, "one", string(c.expectPublish().Payload))
	// A QoS 2 message from the client, PUBREC but no PUBREL yet.
	c.send(&codec.Publish{Topic: "si/x", QoS: 2, PacketID: 7, Payload: []byte("q2")})
	expectT[*codec.Pubrec](c)

	si, ok = ts.Session("si")
	require.True(t, ok)
	require.Equal(t, 1, si.Inflight)
	require.Positive(t, si.InflightBytes)
	require.Equal(t, 1, si.Queued)
	require.Positive(t, si.QueuedBytes)
	require.Equal(t, 1, si.AwaitingRelease)

	c.close()
	before := time.Now()
	eventually(t, func() bool { si, _ := ts.Session("si"); return !si.Connected }, "the session is disconnected")
	si, ok = ts.Session("si")
	require.True(t, ok)
	require.Zero(t, si.Client)
	require.WithinDuration(t, before.Add(60*time.Second), si.ExpiresAt, 5*time.Second)
	require.WithinDuration(t, before.Add(30*time.Second), si.WillAt, 5*time.Second)
	require.Equal(t, 2, si.Subscriptions)
	require.Equal(t, 1, si.Inflight, "kept for resending")
	require.Equal(t, 1, si.Queued)

	_, ok = ts.Session("nobody")
	require.False(t, ok)
	var ids []string
	for _, s := range ts.Sessions() {
		ids = append(ids, s.ClientID)
	}
	require.Equal(t, []string{"si", "si-pub"}, ids, "sorted by client identifier")

	// A clean session ends with its connection.
	pub.disconnect()
	eventually(t, func() bool { _, ok := ts.Session("si-pub"); return !ok }, "the clean session ended")
}
