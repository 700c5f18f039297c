// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// persistClient is a minimal raw client for the restart tests.
type persistClient struct {
	t  *testing.T
	nc net.Conn
	r  *codec.Reader
	v  codec.Version
}

func dialPersist(t *testing.T, addr string, pk *codec.Connect) (*persistClient, *codec.Connack) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c := &persistClient{t: t, nc: nc, r: codec.NewReader(nc, 0), v: pk.ProtocolVersion}
	c.send(pk)
	ack, ok := c.read().(*codec.Connack)
	require.True(t, ok)
	return c, ack
}

func (c *persistClient) send(pk codec.Packet) {
	b, err := codec.Append(nil, pk, c.v)
	require.NoError(c.t, err)
	_, err = c.nc.Write(b)
	require.NoError(c.t, err)
}

func (c *persistClient) read() codec.Packet {
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	pk, err := c.r.ReadPacket(c.v)
	require.NoError(c.t, err)
	return pk
}

func startPersist(t *testing.T, b storage.Backend) (*broker.Server, string) {
	t.Helper()
	ts := startServer(t, broker.Options{Storage: storage.NewStore(b, storage.Options{})})
	return ts.Server, ts.addr
}

// reopenable wraps the memory backend so that the server's Close does not
// lose its contents between the two servers of a test.
type reopenable struct{ *storage.Memory }

func (reopenable) Close() error { return nil }

// TestPersistentSessionSurvivesRestart: a persistent session, its
// subscription, a message queued while it was offline and a retained
// message are all back after the server restarts on the same storage.
// [MQTT-4.1.0-1] [MQTT-3.1.2-5]
func TestPersistentSessionSurvivesRestart(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	srv, addr := startPersist(t, mem)
	sub, ack := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "s1",
		Properties: codec.Properties{SessionExpiry: codec.Ptr(uint32(3600))}})
	require.False(t, ack.SessionPresent)
	sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "q/#", QoS: 1}}})
	require.IsType(t, &codec.Suback{}, sub.read())
	sub.send(&codec.Disconnect{})
	_ = sub.nc.Close()

	pub, _ := dialPersist(t, addr, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "p1", CleanStart: true})
	pub.send(&codec.Publish{Topic: "q/1", QoS: 1, PacketID: 9, Payload: []byte("kept"),
		Retain: true})
	require.Equal(t, uint16(9), pub.read().(*codec.Puback).PacketID)
	_ = pub.nc.Close()
	require.NoError(t, srv.Close())

	srv2, addr2 := startPersist(t, mem)
	defer srv2.Close()
	sub2, ack2 := dialPersist(t, addr2, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "s1",
		Properties: codec.Properties{SessionExpiry: codec.Ptr(uint32(3600))}})
	require.True(t, ack2.SessionPresent)
	p, ok := sub2.read().(*codec.Publish)
	require.True(t, ok)
	require.Equal(t, "q/1", p.Topic)
	require.Equal(t, "kept", string(p.Payload))
	sub2.send(&codec.Puback{PacketID: p.PacketID})
	// The retained message is back too.
	sub2.send(&codec.Subscribe{PacketID: 2, Subscriptions: []codec.Subscription{{Filter: "q/1", QoS: 0}}})
	require.IsType(t, &codec.Suback{}, sub2.read())
	r, ok := sub2.read().(*codec.Publish)
	require.True(t, ok)
	require.True(t, r.Retain)
	require.Equal(t, "kept", string(r.Payload))
	_ = sub2.nc.Close()
}

// offlineSubscriber leaves a persistent session "offline" subscribed to
// filter at QoS 1, with no connection.
func offlineSubscriber(t *testing.T, ts *testServer, filter string) {
	t.Helper()
	sub, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "offline",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](60)}})
	sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: filter, QoS: 1}}})
	require.IsType(t, &codec.Suback{}, sub.read())
	sub.nc.Close()
	require.Eventually(t, func() bool { return ts.Info().ClientsConnected == 0 }, 10*time.Second, time.Millisecond)
}

// requireRoutes publishes to topic from the inline client and fails the
// test, saying why, when routing does not return within 10 s.
func requireRoutes(t *testing.T, ts *testServer, topic, why string) {
	t.Helper()
	routed := make(chan error, 1)
	go func() { routed <- ts.Publish(topic, []byte("routed"), false, 0) }()
	select {
	case err := <-routed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("routing to %s waited for storage room: %s", topic, why)
	}
}

// gatedServer starts a server on a store with opts whose backend holds
// every Apply made while g.shut is set until open is called (at the
// latest when the test ends, before the server closes).
func gatedServer(t *testing.T, opts storage.Options) (gatedBackend, *storage.Store, *testServer, func()) {
	t.Helper()
	g := gatedBackend{Memory: storage.NewMemory(), shut: &atomic.Bool{}, gate: make(chan struct{}), applies: make(chan struct{}, 1)}
	st := storage.NewStore(g, opts)
	ts := startServer(t, broker.Options{Storage: st})
	open := sync.OnceFunc(func() { close(g.gate) })
	t.Cleanup(open) // runs before the server's Close, registered earlier
	return g, st, ts, open
}

// gatedBackend holds every Apply made while shut is set until gate is
// closed, and reports the first on applies.
type gatedBackend struct {
	*storage.Memory
	shut    *atomic.Bool
	gate    chan struct{}
	applies chan struct{}
}

func (g gatedBackend) Apply(ctx context.Context, ops []storage.Op) error {
	if g.shut.Load() {
		select {
		case g.applies <- struct{}{}:
		default:
		}
		<-g.gate
	}
	return g.Memory.Apply(ctx, ops)
}

// TestConnectWaitsForStorageOutsideTheServerLock: a CONNECT whose session
// records find the storage queue full waits for room holding no lock, so
// clients that need the server's lock or its session's go on: here a
// message routed to the very session that waits.
func TestConnectWaitsForStorageOutsideTheServerLock(t *testing.T) {
	g, _, ts, open := gatedServer(t, storage.Options{MaxQueueOps: 1})
	connect := &codec.Connect{ProtocolVersion: codec.V5, ClientID: "waits",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](60)}}

	c, _ := dialPersist(t, ts.addr, connect)
	c.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "gate/#"}}})
	require.IsType(t, &codec.Suback{}, c.read())
	c.nc.Close()
	require.Eventually(t, func() bool { return ts.Info().ClientsConnected == 0 }, 10*time.Second, time.Millisecond)

	g.shut.Store(true)
	require.NoError(t, ts.Publish("gate/retained", []byte("x"), true, 0))
	<-g.applies // the writer holds it: the queue is full
	total := ts.Info().ConnectionsTotal
	connected := make(chan struct{})
	go func() {
		defer close(connected)
		c, ack := dialPersist(t, ts.addr, connect)
		assert.True(t, ack.SessionPresent)
		c.nc.Close()
	}()
	require.Eventually(t, func() bool { return ts.Info().ConnectionsTotal == total+1 }, 10*time.Second, time.Millisecond,
		"the CONNECT reached its session write")
	requireRoutes(t, ts, "gate/other", "the CONNECT held the server's or the session's lock")
	open()
	<-connected
}

// TestAsyncPublishWaitsForStorageRoom: in async mode a QoS 1 PUBLISH is
// acknowledged without waiting for its writes, which storage takes under
// a Hold past the queue's bound; the publisher then waits for room once
// it holds no lock, so a slow backend slows publishers down instead of
// letting the queue grow without bound.
func TestAsyncPublishWaitsForStorageRoom(t *testing.T) {
	g, st, ts, open := gatedServer(t, storage.Options{Mode: storage.ModeAsync, MaxQueueOps: 2})

	offlineSubscriber(t, ts, "q/#")
	require.NoError(t, st.Flush(t.Context()))

	g.shut.Store(true)
	pub, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "pub", CleanStart: true})
	blocked := st.Stats().Blocked
	for id := uint16(1); id <= 4; id++ {
		pub.send(&codec.Publish{Topic: "q/1", QoS: 1, PacketID: id, Payload: []byte("x")})
	}
	<-g.applies // the writer holds the first message's batch
	require.Eventually(t, func() bool { return st.Stats().Blocked > blocked }, 10*time.Second, time.Millisecond,
		"a publisher whose writes filled the queue did not wait for room")
	open()
	for id := uint16(1); id <= 4; id++ {
		ack, ok := pub.read().(*codec.Puback)
		require.True(t, ok)
		require.Equal(t, id, ack.PacketID)
	}
}

// batchCounter records the largest Apply.
type batchCounter struct {
	*storage.Memory
	largest atomic.Int64
}

func (b *batchCounter) Apply(ctx context.Context, ops []storage.Op) error {
	for {
		n := b.largest.Load()
		if int64(len(ops)) <= n || b.largest.CompareAndSwap(n, int64(len(ops))) {
			break
		}
	}
	return b.Memory.Apply(ctx, ops)
}

// TestPublishersDoNotStarveTheStorageWriter: QoS 1 publishers route under
// storage Holds that overlap; each waits its turn before a packet, so the
// writer still closes batches near their bound instead of waiting for a
// moment with no Hold open while one batch takes everything.
func TestPublishersDoNotStarveTheStorageWriter(t *testing.T) {
	const publishers, each, maxBatch = 8, 400, 16
	b := &batchCounter{Memory: storage.NewMemory()}
	ts := startServer(t, broker.Options{Storage: storage.NewStore(b, storage.Options{Mode: storage.ModeAsync, MaxBatchOps: maxBatch})})
	offlineSubscriber(t, ts, "q/#")

	var wg sync.WaitGroup
	for p := range publishers {
		pub, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: fmt.Sprint("pub", p), CleanStart: true})
		var burst []byte
		for i := range each {
			var err error
			burst, err = codec.Append(burst, &codec.Publish{Topic: "q/1", QoS: 1, PacketID: uint16(i + 1), Payload: []byte("x")}, codec.V5)
			require.NoError(t, err)
		}
		wg.Go(func() {
			_, err := pub.nc.Write(burst)
			assert.NoError(t, err)
		})
		wg.Go(func() {
			for range each {
				_ = pub.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := pub.r.ReadPacket(codec.V5); !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	wg.Wait()
	// Each publish writes a few records; a seal lets in at most one more
	// publish per publisher.
	assert.LessOrEqual(t, b.largest.Load(), int64(maxBatch+4*publishers))
}

// TestSessionWriteDoesNotStallRouting: a record written under a session's
// lock (here a new subscription) while the storage queue is full does not
// wait there: the client's reader waits for room once it has released the
// lock, and messages are still routed to that session meanwhile. Before,
// the write waited with the session locked and every publisher routing to
// the session stalled with it until the backend caught up.
func TestSessionWriteDoesNotStallRouting(t *testing.T) {
	g, st, ts, open := gatedServer(t, storage.Options{MaxQueueOps: 1})

	a, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "a",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](60)}})
	a.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "y/#"}}})
	require.IsType(t, &codec.Suback{}, a.read())
	require.NoError(t, st.Flush(t.Context()))

	g.shut.Store(true)
	require.NoError(t, ts.Publish("gate/retained", []byte("x"), true, 0))
	<-g.applies // the writer holds it: the queue is full
	blocked := st.Stats().Blocked
	a.send(&codec.Subscribe{PacketID: 2, Subscriptions: []codec.Subscription{{Filter: "x/#"}}})
	require.Eventually(t, func() bool { return st.Stats().Blocked > blocked }, 10*time.Second, time.Millisecond,
		"the subscription's write did not meet the full queue")

	requireRoutes(t, ts, "y/1", "the session's lock was held meanwhile")
	open() // in sync mode the session's writer sends once earlier writes are durable
	for {
		pk := a.read()
		if p, ok := pk.(*codec.Publish); ok {
			require.Equal(t, "routed", string(p.Payload))
			break
		}
		require.IsType(t, &codec.Suback{}, pk)
	}
}

// TestPingWhileStorageIsFull: a packet that writes nothing (PINGREQ, a
// QoS 0 PUBLISH) does not wait for room in a full storage queue, so a
// client that only pings or publishes at QoS 0 keeps its keep alive
// while the backend is slow. (Async mode, so that only the reader's wait
// is at stake, not durability.)
func TestPingWhileStorageIsFull(t *testing.T) {
	g, _, ts, _ := gatedServer(t, storage.Options{Mode: storage.ModeAsync, MaxQueueOps: 1})

	c, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "pinger", CleanStart: true})
	g.shut.Store(true)
	require.NoError(t, ts.Publish("gate/retained", []byte("x"), true, 0))
	<-g.applies // the writer holds it: the queue is full
	for range 3 {
		c.send(&codec.Publish{Topic: "nobody", Payload: []byte("q0")})
		c.send(&codec.Pingreq{})
		require.IsType(t, &codec.Pingresp{}, c.read())
	}
}

// TestSyncStorageDelaysOnlyWhatDependsOnIt: in sync mode a packet that
// tells a client about stored state (here a QoS 1 PUBLISH with its packet
// identifier) waits until earlier writes are durable, but a PINGRESP or a
// QoS 0 PUBLISH does not wait for a slow backend.
func TestSyncStorageDelaysOnlyWhatDependsOnIt(t *testing.T) {
	g, _, ts, open := gatedServer(t, storage.Options{})

	fast, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "fast", CleanStart: true})
	fast.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "d/#"}}})
	require.IsType(t, &codec.Suback{}, fast.read())
	slow, _ := dialPersist(t, ts.addr, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "slow",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](60)}})
	slow.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "d/#", QoS: 1}}})
	require.IsType(t, &codec.Suback{}, slow.read())

	g.shut.Store(true)
	require.NoError(t, ts.Publish("d/1", []byte("x"), false, 1)) // slow's inflight record waits in the writer
	<-g.applies
	require.Equal(t, "d/1", fast.read().(*codec.Publish).Topic, "QoS 0 delivery waited for storage")
	fast.send(&codec.Pingreq{})
	require.IsType(t, &codec.Pingresp{}, fast.read(), "PINGRESP waited for storage")

	_ = slow.nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := slow.r.ReadPacket(codec.V5)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a QoS 1 PUBLISH went out before its inflight record was durable: %v", err)
	slow.r = codec.NewReader(slow.nc, 0) // nothing was read; a fresh reader forgets the timeout
	open()
	require.Equal(t, "d/1", slow.read().(*codec.Publish).Topic)
}

// TestStoredWillBounds: a will stored by an earlier build below $SYS (or
// deeper than MaxTopicLevels), which CONNECT now refuses, is dropped at
// restore instead of forging the server's statistics when it goes out; a
// stored will within the bounds still goes out.
func TestStoredWillBounds(t *testing.T) {
	mem := reopenable{storage.NewMemory()}
	st := storage.NewStore(mem, storage.Options{})
	for id, topic := range map[string]string{"forger": "$SYS/forged", "deep": strings.Repeat("d/", 300) + "x", "honest": "ok/will"} {
		require.NoError(t, st.PutSession(&storage.Session{ClientID: id, ProtocolVersion: 5, ExpiryInterval: 3600, DisconnectedAt: time.Now(),
			Will: &storage.Will{DelayInterval: 3600, Message: storage.Message{Publish: codec.Publish{Topic: topic, Payload: []byte(id), Retain: true}}}}).Wait(t.Context()))
	}
	require.NoError(t, st.Close(t.Context()))

	ts := startServer(t, broker.Options{Storage: storage.NewStore(mem, storage.Options{})})
	for _, id := range []string{"forger", "deep", "honest"} {
		c := connectC(t, ts, codec.V5, id) // clean start: the stored session ends, its will goes out now
		c.barrier()
	}
	sub := connectC(t, ts, codec.V5, "reader")
	sub.sub("ok/will", 0)
	require.Equal(t, "honest", string(sub.recv().Payload))
	sub.sub("$SYS/forged", 0)
	sub.sub("d/#", 0)
	sub.barrier()
}
