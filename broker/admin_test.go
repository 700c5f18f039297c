// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"testing"

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
