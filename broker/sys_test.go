// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// TestSysTopics: $SYS topics are published at SysInterval, retained, and
// reflect the server's counters; "#" does not match them.
// [MQTT-4.7.2-1]
func TestSysTopics(t *testing.T) {
	ts := startServer(t, broker.Options{SysInterval: 50 * time.Millisecond, Version: "test-1"})
	all := connectC(t, ts, codec.V5, "sys-all")
	all.sub("#", 0)
	c := connectC(t, ts, codec.V311, "sys")
	p := subscribeRetained(c, "$SYS/broker/version")
	require.Equal(t, "test-1", string(p.Payload))
	p = subscribeRetained(c, "$SYS/broker/clients/connected")
	_, err := strconv.Atoi(string(p.Payload))
	require.NoError(t, err)
	// Mosquitto's load averages and heap size, per minute with two
	// decimals and in bytes.
	for _, topic := range []string{"$SYS/broker/load/messages/received/1min", "$SYS/broker/load/connections/15min", "$SYS/broker/heap/current",
		"$SYS/broker/clients/active", "$SYS/broker/clients/inactive", "$SYS/broker/messages/stored", "$SYS/broker/store/messages/count"} {
		probe := connectC(t, ts, codec.V5, "sys-probe")
		probe.sub(topic, 0)
		p := probe.expectPublish()
		require.Equal(t, topic, p.Topic)
		v, err := strconv.ParseFloat(string(p.Payload), 64)
		require.NoError(t, err, "%s: %q", topic, p.Payload)
		require.GreaterOrEqual(t, v, 0.0, topic)
		probe.disconnect()
	}
	// The next tick arrives as a normal publication.
	for {
		p = c.expectPublish()
		if !p.Retain {
			break
		}
	}
	require.Contains(t, []string{"$SYS/broker/version", "$SYS/broker/clients/connected"}, p.Topic)
	all.barrier() // [MQTT-4.7.2-1] "#" never matched a $SYS topic
}

// subscribeRetained subscribes c to topic and returns the retained copy
// sent for it. A tick may publish the topic while the SUBSCRIBE is
// handled: its live copy can come before the SUBACK and the retained one,
// and is skipped.
func subscribeRetained(c *client, topic string) *codec.Publish {
	c.t.Helper()
	c.send(&codec.Subscribe{PacketID: c.nextID(), Subscriptions: []codec.Subscription{{Filter: topic}}})
	for {
		pk := c.expect()
		if p, ok := pk.(*codec.Publish); ok && p.Retain {
			require.Equal(c.t, topic, p.Topic)
			return p
		}
	}
}

// TestInfo: Info counts clients, messages and subscriptions.
func TestInfo(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V5, "info")
	c.sub("i/#", 1)
	c.send(&codec.Publish{Topic: "i/x", Payload: []byte("x"), QoS: 1, PacketID: 1})
	p := c.expectPublish()
	expectT[*codec.Puback](c)
	c.ack(p)
	c.barrier()
	info := ts.Info()
	require.Equal(t, int64(1), info.ClientsConnected)
	require.Equal(t, int64(1), info.Subscriptions)
	require.GreaterOrEqual(t, info.MessagesReceived, int64(1))
	require.GreaterOrEqual(t, info.MessagesSent, int64(1))
	require.Positive(t, info.BytesReceived)
}

// TestInfoClientCounts: ClientsTotal and ClientsDisconnect count the
// clients the server knows now, as Mosquitto's and mochi's $SYS
// clients/total and clients/disconnected do (connected ones plus
// persistent sessions without a connection); ConnectionsTotal and
// DisconnectsTotal count connections since start.
func TestInfoClientCounts(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for i := range 3 {
		connectC(t, ts, codec.V5, fmt.Sprint("gone-", i)).disconnect() // no session left
	}
	connectC(t, ts, codec.V5, "offline", persistent(60)).disconnect()
	connectC(t, ts, codec.V311, "online")
	require.Eventually(t, func() bool { return ts.Info().DisconnectsTotal == 4 }, 10*time.Second, time.Millisecond)
	info := ts.Info()
	require.Equal(t, int64(1), info.ClientsConnected)
	require.Equal(t, int64(2), info.ClientsTotal, "connected plus the offline persistent session")
	require.Equal(t, int64(1), info.ClientsDisconnect, "the offline persistent session")
	require.Equal(t, int64(5), info.ConnectionsTotal)
}

// TestSysNotStored: $SYS messages are retained in memory but not written
// to storage: a restarted server would otherwise serve the last run's
// values (and each tick cost a storage write per topic).
func TestSysNotStored(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	ts := startServer(t, broker.Options{SysInterval: 10 * time.Millisecond, Storage: storage.NewStore(mem, storage.Options{})})
	c := connectC(t, ts, codec.V5, "sys-stored")
	c.sub("$SYS/broker/uptime", 0)
	require.Equal(t, "$SYS/broker/uptime", c.expectPublish().Topic)
	require.NoError(t, ts.Publish("kept", []byte("x"), true, 0))
	require.NoError(t, ts.Close())
	st := storage.NewStore(mem, storage.Options{})
	defer st.Close(t.Context())
	snap, err := st.Restore(t.Context())
	require.NoError(t, err)
	var topics []string
	for _, r := range snap.Retained {
		topics = append(topics, r.Message.Publish.Topic)
	}
	require.Equal(t, []string{"kept"}, topics)
}
