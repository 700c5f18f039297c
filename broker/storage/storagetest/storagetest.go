// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package storagetest is the test suite every storage.Backend runs: the
// in-memory reference, Badger and Redis. A backend's test calls [Run] with
// a constructor of fresh, empty backends.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// RunOptions describe what a backend supports beyond the contract.
type RunOptions struct {
	// Reopen, when set, closes nothing and opens a new backend on the data
	// of old, which Run has already closed; the reopen tests check that
	// every record survives.
	Reopen func(t *testing.T, old storage.Backend) storage.Backend
	// SnapshotScans claims that batches are atomic and that a Scan reads
	// a consistent snapshot, so it never sees half of a batch.
	SnapshotScans bool
}

// Run runs the suite. newBackend must return a new, empty backend; Run
// closes every backend it is given (directly or through Store.Close), so
// cleanups registered by newBackend must tolerate a closed backend.
func Run(t *testing.T, newBackend func(t *testing.T) storage.Backend, opts ...RunOptions) {
	var o RunOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	s := suite{newBackend: newBackend, opts: o}
	t.Run("ApplyScan", s.applyScan)
	t.Run("ScanStopsOnError", s.scanStopsOnError)
	t.Run("GroupedKeys", s.groupedKeys)
	t.Run("RoundTrip", s.roundTrip)
	t.Run("EmptyAndLargeMessages", s.emptyAndLarge)
	t.Run("LongIdentities", s.longIdentities)
	t.Run("Deletes", s.deletes)
	t.Run("DeleteSessionIsolation", s.deleteSessionIsolation)
	t.Run("DeleteSessionThenRecreateInOneBatch", s.deleteThenRecreate)
	t.Run("QueuedOrder", s.queuedOrder)
	t.Run("UnknownVersionSkipped", s.unknownVersion)
	t.Run("SyncAckAfterDurable", s.syncAckAfterDurable)
	t.Run("AsyncFlush", s.asyncFlush)
	t.Run("CloseDrains", s.closeDrains)
	t.Run("ConcurrentWriters", s.concurrentWriters)
	if o.SnapshotScans {
		t.Run("AtomicBatch", s.atomicBatch)
	}
	if o.Reopen != nil {
		t.Run("Reopen", s.reopen)
	}
}

type suite struct {
	newBackend func(t *testing.T) storage.Backend
	opts       RunOptions
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openStore wraps b in a Store that the test closes at cleanup (a no-op
// when the test closed it already).
func openStore(t *testing.T, b storage.Backend, mode storage.Mode, flush time.Duration) *storage.Store {
	st := storage.NewStore(b, storage.Options{Mode: mode, FlushInterval: flush, RetryMin: time.Millisecond})
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return st
}

// noClose keeps the wrapped backend open when a Store closes it, so that
// a test can inspect what reached it.
type noClose struct{ storage.Backend }

func (noClose) Close() error { return nil }

// snapshot restores everything b holds, leaving b open.
func snapshot(t *testing.T, b storage.Backend) *storage.Snapshot {
	t.Helper()
	st := storage.NewStore(noClose{b}, storage.Options{})
	defer func() { require.NoError(t, st.Close(context.Background())) }()
	snap, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	return snap
}

func scanAll(t *testing.T, b storage.Backend, prefix []byte) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := b.Scan(ctxT(t), prefix, func(k, v []byte) error {
		if _, dup := got[string(k)]; dup {
			return fmt.Errorf("key %q returned twice", k)
		}
		got[string(k)] = string(v)
		return nil
	})
	require.NoError(t, err)
	return got
}

func (s suite) applyScan(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	ctx := ctxT(t)
	require.NoError(t, b.Ping(ctx))
	keys := []string{"\x00", "\x00\x00", "\xff", "\xff\xfe", "a", "ab", "a/b", "a*", "a?[x]", "b", "{tag}"}
	var ops []storage.Op
	for i, k := range keys {
		ops = append(ops, storage.Op{Key: []byte(k), Value: []byte(fmt.Sprintf("v%d\x00\xff", i))})
	}
	require.NoError(t, b.Apply(ctx, ops))
	want := map[string]string{}
	for i, k := range keys {
		want[k] = fmt.Sprintf("v%d\x00\xff", i)
	}
	assert.Equal(t, want, scanAll(t, b, nil))
	assert.Equal(t, map[string]string{"a": want["a"], "ab": want["ab"], "a/b": want["a/b"], "a*": want["a*"], "a?[x]": want["a?[x]"]},
		scanAll(t, b, []byte("a")), "glob characters in keys and prefixes are literal")
	assert.Equal(t, map[string]string{"a*": want["a*"]}, scanAll(t, b, []byte("a*")))
	assert.Equal(t, map[string]string{"\x00": want["\x00"], "\x00\x00": want["\x00\x00"]}, scanAll(t, b, []byte{0}))
	assert.Empty(t, scanAll(t, b, []byte("zzz")))

	// Ops apply in order: a later op on the same key wins.
	require.NoError(t, b.Apply(ctx, []storage.Op{
		{Key: []byte("a"), Value: []byte("1")},
		{Key: []byte("a"), Value: []byte("2")},
		{Key: []byte("ab"), Delete: true},
		{Key: []byte("missing"), Delete: true},
		{Key: []byte("b"), Delete: true},
		{Key: []byte("b"), Value: []byte{}},
	}))
	got := scanAll(t, b, nil)
	assert.Equal(t, "2", got["a"])
	assert.NotContains(t, got, "ab")
	assert.NotContains(t, got, "missing")
	assert.Contains(t, got, "b")
	assert.Equal(t, "", got["b"], "an empty value is stored")

	// Applying the same batch twice is harmless (retries rely on it).
	batch := []storage.Op{{Key: []byte("r"), Value: []byte("x")}, {Key: []byte("a"), Delete: true}}
	require.NoError(t, b.Apply(ctx, batch))
	require.NoError(t, b.Apply(ctx, batch))
	got = scanAll(t, b, nil)
	assert.Equal(t, "x", got["r"])
	assert.NotContains(t, got, "a")
}

func (s suite) scanStopsOnError(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	ctx := ctxT(t)
	var ops []storage.Op
	for i := range 50 {
		ops = append(ops, storage.Op{Key: fmt.Appendf(nil, "k%02d", i), Value: []byte("v")})
	}
	require.NoError(t, b.Apply(ctx, ops))
	stop := errors.New("stop here")
	calls := 0
	err := b.Scan(ctx, []byte("k"), func(_, _ []byte) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}

// groupedKeys scans client records (see storage.GroupLen) by every kind of
// prefix: nil, shorter than a group, a whole group, inside a group, and
// keys that look like groups but are cut short.
func (s suite) groupedKeys(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	ctx := ctxT(t)
	keys := []string{
		"c\x00\x01a", "c\x00\x01as", "c\x00\x01aq\x00\x01", "c\x00\x01aq\x00\x02", // group "a", one key the group itself
		"c\x00\x02abs", "c\x00\x02a\x00s", "c\x00\x02a*s", // ids "ab", "a\x00", "a*"
		"c\x00\x00s",                // the empty id
		"c", "c\x00", "c\x00\x05ab", // cut short: no group
		"ra", "n",
	}
	var ops []storage.Op
	want := map[string]string{}
	for i, k := range keys {
		v := fmt.Sprintf("v%d", i)
		ops = append(ops, storage.Op{Key: []byte(k), Value: []byte(v)})
		want[k] = v
	}
	require.NoError(t, b.Apply(ctx, ops))
	under := func(prefix string) map[string]string {
		m := map[string]string{}
		for k, v := range want {
			if strings.HasPrefix(k, prefix) {
				m[k] = v
			}
		}
		return m
	}
	for _, p := range []string{"", "c", "c\x00", "c\x00\x01", "c\x00\x01a", "c\x00\x01aq", "c\x00\x01aq\x00\x02",
		"c\x00\x02", "c\x00\x02a", "c\x00\x02a*", "c\x00\x02a*s", "c\x00\x00", "c\x00\x05", "c\x00\x05ab", "c\x00\x03abc", "r"} {
		assert.Equal(t, under(p), scanAll(t, b, []byte(p)), "scan of %q", p)
	}

	// Deleting every key of a group leaves no trace of it, and deletes of
	// missing keys in a group are harmless (batches are retried).
	del := []storage.Op{{Key: []byte("c\x00\x01a"), Delete: true}, {Key: []byte("c\x00\x01as"), Delete: true},
		{Key: []byte("c\x00\x01aq\x00\x01"), Delete: true}, {Key: []byte("c\x00\x01aq\x00\x02"), Delete: true},
		{Key: []byte("c\x00\x01aq\x00\x03"), Delete: true}}
	require.NoError(t, b.Apply(ctx, del))
	require.NoError(t, b.Apply(ctx, del))
	for _, op := range del {
		delete(want, string(op.Key))
	}
	assert.Empty(t, scanAll(t, b, []byte("c\x00\x01a")))
	assert.Equal(t, want, scanAll(t, b, nil))

	// Within one batch a later op on a grouped key wins.
	require.NoError(t, b.Apply(ctx, []storage.Op{
		{Key: []byte("c\x00\x02abs"), Delete: true},
		{Key: []byte("c\x00\x02abs"), Value: []byte("again")},
		{Key: []byte("c\x00\x02a*s"), Value: []byte("1")},
		{Key: []byte("c\x00\x02a*s"), Delete: true},
	}))
	assert.Equal(t, map[string]string{"c\x00\x02abs": "again"}, scanAll(t, b, []byte("c\x00\x02ab")))
	assert.Empty(t, scanAll(t, b, []byte("c\x00\x02a*")))

	stop := errors.New("stop here")
	calls := 0
	err := b.Scan(ctx, []byte("c\x00\x02"), func(_, _ []byte) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}

// FullMessage returns a message with every PUBLISH property set, for
// round-trip tests.
func FullMessage(topic string, qos codec.QoS, packetID uint16) storage.Message {
	return storage.Message{
		Publish: codec.Publish{
			Dup:      qos > 0,
			QoS:      qos,
			Retain:   true,
			Topic:    topic,
			PacketID: packetID,
			Properties: codec.Properties{
				PayloadFormat:   codec.Ptr(byte(1)),
				MessageExpiry:   codec.Ptr(uint32(3600)),
				ContentType:     codec.Ptr("application/json; charset=utf-8"),
				ResponseTopic:   codec.Ptr("reply/to/" + topic),
				CorrelationData: []byte{0, 1, 2, 0xff},
				SubscriptionIDs: []uint32{1, 268435455},
				TopicAlias:      codec.Ptr(uint16(7)),
				User: []codec.UserProperty{
					{Key: "k", Value: "v1"}, {Key: "k", Value: "v2"},
					{Key: "a", Value: ""}, {Key: "", Value: "empty key"}, {Key: "ü", Value: "ünïcode"},
				},
			},
			Payload: []byte("{\"n\":1}\x00\xff"),
		},
		ExpiresAt: time.Date(2031, 1, 2, 3, 4, 5, 678901234, time.UTC),
	}
}

// plainMessage has no properties and never expires.
func plainMessage(topic string, payload string) storage.Message {
	return storage.Message{Publish: codec.Publish{QoS: 1, PacketID: 9, Topic: topic, Payload: []byte(payload)}}
}

// clientRecords is one client's complete set of records.
type clientRecords struct {
	session  *storage.Session
	subs     []*storage.Subscription
	inflight []*storage.Inflight
	queued   []*storage.Queued
}

func recordsFor(id string) clientRecords {
	return clientRecords{
		session: &storage.Session{
			ClientID: id, ProtocolVersion: 5, Username: "user-" + id, ExpiryInterval: 0xFFFFFFFF,
			Clean: true, DisconnectedAt: time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC),
			Will: &storage.Will{Message: FullMessage(fmt.Sprintf("will/%x", id), 2, 0), DelayInterval: 30},
		},
		subs: []*storage.Subscription{
			{ClientID: id, Filter: "$share/group/a/+/#", QoS: 2, NoLocal: true, RetainAsPublished: true, RetainHandling: 2, Identifier: 268435455},
			{ClientID: id, Filter: "a/b", QoS: 1, RetainHandling: 1},
			{ClientID: id, Filter: "", QoS: 0},
		},
		inflight: []*storage.Inflight{
			{ClientID: id, Direction: storage.Outbound, PacketID: 1, State: storage.AwaitingPuback, Message: FullMessage("out/1", 1, 1), Seq: 10,
				Share: storage.Share{Group: "group", Filter: "out/+"}},
			{ClientID: id, Direction: storage.Outbound, PacketID: 65535, State: storage.AwaitingPubrec, Message: FullMessage("out/2", 2, 65535), Seq: 11},
			{ClientID: id, Direction: storage.Outbound, PacketID: 300, State: storage.AwaitingPubcomp, Seq: 12},
			{ClientID: id, Direction: storage.Inbound, PacketID: 1, State: storage.AwaitingPubrel, Message: FullMessage("in/1", 2, 1), Seq: 13},
		},
		queued: []*storage.Queued{
			{ClientID: id, Seq: 1, Message: FullMessage("q/1", 1, 0), Share: storage.Share{Group: "g", Filter: "q/#"}},
			{ClientID: id, Seq: 2, Message: plainMessage("q/2", "two")},
			{ClientID: id, Seq: 3, Message: FullMessage("q/3", 0, 0)},
		},
	}
}

func (c clientRecords) put(st *storage.Store) []storage.Done {
	ds := []storage.Done{st.PutSession(c.session)}
	for _, r := range c.subs {
		ds = append(ds, st.PutSubscription(r))
	}
	for _, r := range c.inflight {
		ds = append(ds, st.PutInflight(r))
	}
	for _, r := range c.queued {
		ds = append(ds, st.PutQueued(r))
	}
	return ds
}

// want builds the snapshot Restore should return for these clients,
// retained messages and counters.
func want(clients []clientRecords, retained []*storage.Retained, counters storage.Counters) *storage.Snapshot {
	snap := &storage.Snapshot{Counters: counters}
	slices.SortFunc(clients, func(a, b clientRecords) int {
		return bytes.Compare([]byte(a.session.ClientID), []byte(b.session.ClientID))
	})
	for _, c := range clients {
		snap.Sessions = append(snap.Sessions, c.session)
		subs := slices.Clone(c.subs)
		slices.SortFunc(subs, func(a, b *storage.Subscription) int { return bytes.Compare([]byte(a.Filter), []byte(b.Filter)) })
		snap.Subscriptions = append(snap.Subscriptions, subs...)
		snap.Inflight = append(snap.Inflight, c.inflight...)
		snap.Queued = append(snap.Queued, c.queued...)
	}
	snap.Retained = slices.Clone(retained)
	slices.SortFunc(snap.Retained, func(a, b *storage.Retained) int {
		return bytes.Compare([]byte(a.Message.Publish.Topic), []byte(b.Message.Publish.Topic))
	})
	return snap
}

func waitAll(t *testing.T, ds []storage.Done) {
	t.Helper()
	ctx := ctxT(t)
	for _, d := range ds {
		require.NoError(t, d.Wait(ctx))
	}
}

// retainedSet and countersValue are the non-client records of the suite.
func retainedSet() []*storage.Retained {
	return []*storage.Retained{
		{Message: FullMessage("sensors/1/temp", 1, 0), Publisher: &storage.Publisher{ClientID: "sensor-1",
			Username: "ü", Remote: "10.0.0.7:51234", Listener: "tls", ProtocolVersion: 5, CertSubject: []byte{0x30, 0x00}}},
		{Message: plainMessage("a/b", "retained"), Publisher: &storage.Publisher{ClientID: "c", ProtocolVersion: 4}},
		{Message: FullMessage("$SYS/broker/uptime", 0, 0)},
	}
}

var countersValue = storage.Counters{ClientsTotal: 1, MessagesReceived: 1 << 40, MessagesSent: 3,
	MessagesDropped: 4, BytesReceived: 5, BytesSent: 1<<64 - 1}

func putFixture(t *testing.T, st *storage.Store) *storage.Snapshot {
	t.Helper()
	var clients []clientRecords
	var ds []storage.Done
	for _, id := range []string{"client-1", "a/b", "ü\x00\xff"} {
		c := recordsFor(id)
		clients = append(clients, c)
		ds = append(ds, c.put(st)...)
	}
	for _, r := range retainedSet() {
		ds = append(ds, st.PutRetained(r))
	}
	ds = append(ds, st.PutCounters(&countersValue))
	waitAll(t, ds)
	return want(clients, retainedSet(), countersValue)
}

func (s suite) roundTrip(t *testing.T) {
	st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
	want := putFixture(t, st)
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, want, got)
	assert.True(t, st.Healthy())
	require.NoError(t, st.Close(ctxT(t)))
}

func (s suite) emptyAndLarge(t *testing.T) {
	st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
	large := make([]byte, 3<<20)
	for i := range large {
		large[i] = byte(i * 7)
	}
	big := plainMessage("big", "")
	big.Publish.Payload = large
	aliasOnly := storage.Message{Publish: codec.Publish{QoS: 1, PacketID: 3, Properties: codec.Properties{TopicAlias: codec.Ptr(uint16(2))}, Payload: []byte("x")}}
	recs := []*storage.Queued{
		{ClientID: "c", Seq: 1, Message: big},
		{ClientID: "c", Seq: 2, Message: storage.Message{}},
		{ClientID: "c", Seq: 3, Message: storage.Message{Publish: codec.Publish{Topic: "t"}}},
		{ClientID: "c", Seq: 4, Message: storage.Message{Publish: codec.Publish{Topic: "t", QoS: 2}}}, // packet id 0
		{ClientID: "c", Seq: 5, Message: aliasOnly},
		{ClientID: "c", Seq: 6, Message: storage.Message{Publish: codec.Publish{Topic: "t"}, ExpiresAt: time.Unix(0, 0).UTC()}},
	}
	var ds []storage.Done
	for _, q := range recs {
		ds = append(ds, st.PutQueued(q))
	}
	waitAll(t, ds)
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	require.Len(t, got.Queued, len(recs))
	for i, q := range recs {
		g := got.Queued[i]
		assert.Equal(t, q.Seq, g.Seq)
		assert.Equal(t, q.Message.ExpiresAt, g.Message.ExpiresAt, "seq %d", q.Seq)
		p, gp := q.Message.Publish, g.Message.Publish
		assert.True(t, bytes.Equal(p.Payload, gp.Payload), "seq %d payload", q.Seq)
		p.Payload, gp.Payload = nil, nil
		assert.Equal(t, p, gp, "seq %d", q.Seq)
	}
	require.NoError(t, st.Close(ctxT(t)))
}

// longIdentities: client ids, filters and topics as long as MQTT allows
// (65,535 bytes) are stored, restored and deleted, although their keys
// would pass storage.MaxKeyLen spelled out (Badger refuses such keys).
func (s suite) longIdentities(t *testing.T) {
	b := s.newBackend(t)
	st := openStore(t, b, storage.ModeSync, 0)
	long := func(c byte, n int) string { return strings.Repeat(string(c), n-1) + "z" }
	var clients []clientRecords
	var ds []storage.Done
	for _, id := range []string{long('i', 65535), long('i', 64901), long('j', 64900), "short"} {
		c := recordsFor(id)
		c.subs = append(c.subs, &storage.Subscription{ClientID: id, Filter: long('f', 65535), QoS: 1},
			&storage.Subscription{ClientID: id, Filter: long('f', 65535-1) + "y", QoS: 2})
		c.session.Will.Message = FullMessage(long('w', 65000), 2, 0) // its response topic adds 9 bytes
		clients = append(clients, c)
		ds = append(ds, c.put(st)...)
	}
	retained := []*storage.Retained{{Message: plainMessage(long('t', 65535), "long")}, {Message: plainMessage(long('t', 65534), "shorter")}}
	for _, r := range retained {
		ds = append(ds, st.PutRetained(r))
	}
	waitAll(t, ds)
	for k := range scanAll(t, b, nil) {
		require.LessOrEqual(t, len(k), storage.MaxKeyLen, "key %.40q...", k)
	}
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	requireNoneSkipped(t, got)
	// Compared without testify's diff, which would print megabytes.
	w := want(clients, retained, storage.Counters{})
	assert.True(t, reflect.DeepEqual(w.Sessions, got.Sessions), "sessions")
	assert.True(t, reflect.DeepEqual(w.Subscriptions, got.Subscriptions), "subscriptions")

	assert.True(t, reflect.DeepEqual(w.Inflight, got.Inflight), "inflight")
	assert.True(t, reflect.DeepEqual(w.Queued, got.Queued), "queued")
	assert.True(t, reflect.DeepEqual(w.Retained, got.Retained), "retained")
	require.True(t, reflect.DeepEqual(w, got),
		"restored %d sessions, %d subscriptions, %d retained: not what was stored", len(got.Sessions), len(got.Subscriptions), len(got.Retained))

	// Deletes find the same keys.
	waitAll(t, []storage.Done{
		st.DeleteSession(clients[0].session.ClientID),
		st.DeleteSubscription("short", long('f', 65535)),
		st.DeleteRetained(long('t', 65535)),
	})
	got, err = st.Restore(ctxT(t))
	require.NoError(t, err)
	requireNoneSkipped(t, got)
	require.Len(t, got.Sessions, 3)
	for _, sess := range got.Sessions {
		require.False(t, sess.ClientID == clients[0].session.ClientID, "deleted session restored")
	}
	var filters []string
	for _, sub := range got.Subscriptions {
		if sub.ClientID == "short" {
			filters = append(filters, fmt.Sprintf("%.3s..%s/%d", sub.Filter, sub.Filter[max(len(sub.Filter)-1, 0):], len(sub.Filter)))
		}
	}
	require.Equal(t, []string{"../0", "$sh..#/18", "a/b..b/3", "fff..y/65535"}, filters) // the one ending in "y" stays
	require.Len(t, got.Retained, 1)
	require.True(t, got.Retained[0].Message.Publish.Topic == retained[1].Message.Publish.Topic, "the wrong retained message was deleted")
	require.NoError(t, st.Close(ctxT(t)))
}

// requireNoneSkipped fails the test with the errors (not the keys, which
// may be 64 KiB long) of records Restore skipped.
func requireNoneSkipped(t *testing.T, snap *storage.Snapshot) {
	t.Helper()
	for _, sk := range snap.Skipped {
		t.Errorf("skipped record %.40q... (%d bytes): %v", sk.Key, len(sk.Key), sk.Err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func (s suite) deletes(t *testing.T) {
	st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
	full := putFixture(t, st)
	c := recordsFor("client-1")
	waitAll(t, []storage.Done{
		st.DeleteSubscription("client-1", "a/b"),
		st.DeleteInflight("client-1", storage.Outbound, 65535),
		st.DeleteInflight("client-1", storage.Inbound, 1),
		st.DeleteQueued("client-1", 2),
		st.DeleteRetained("a/b"),
		st.DeleteRetained("no/such/topic"),
		st.DeleteQueued("nobody", 1),
	})
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	assert.Equal(t, full.Sessions, got.Sessions)
	assert.Len(t, got.Subscriptions, len(full.Subscriptions)-1)
	assert.NotContains(t, got.Subscriptions, c.subs[1])
	assert.Len(t, got.Inflight, len(full.Inflight)-2)
	assert.NotContains(t, got.Inflight, c.inflight[1])
	assert.NotContains(t, got.Inflight, c.inflight[3])
	assert.Contains(t, got.Inflight, c.inflight[0], "an outbound record with the same packet id as a deleted inbound one stays")
	assert.Len(t, got.Queued, len(full.Queued)-1)
	assert.NotContains(t, got.Queued, c.queued[1])
	assert.Len(t, got.Retained, len(full.Retained)-1)
	for _, r := range got.Retained {
		assert.NotEqual(t, "a/b", r.Message.Publish.Topic)
	}
	require.NoError(t, st.Close(ctxT(t)))
}

// ids whose keys would collide under a naive "prefix + id + separator"
// scheme: each is a prefix of another or contains separator bytes.
var trickyIDs = []string{"a", "ab", "a/b", "a/", "a\x00", "a\x00s", "", "a\xff", "as", "a's"}

func (s suite) deleteSessionIsolation(t *testing.T) {
	for _, victim := range trickyIDs {
		t.Run(fmt.Sprintf("%q", victim), func(t *testing.T) {
			st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
			var ds []storage.Done
			var kept []clientRecords
			for _, id := range trickyIDs {
				c := recordsFor(id)
				ds = append(ds, c.put(st)...)
				if id != victim {
					kept = append(kept, c)
				}
			}
			ds = append(ds, st.PutRetained(&storage.Retained{Message: plainMessage(fmt.Sprintf("%x/x", victim), "r")}))
			waitAll(t, ds)
			require.NoError(t, st.DeleteSession(victim).Wait(ctxT(t)))
			got, err := st.Restore(ctxT(t))
			require.NoError(t, err)
			w := want(kept, []*storage.Retained{{Message: plainMessage(fmt.Sprintf("%x/x", victim), "r")}}, storage.Counters{})
			require.Equal(t, w, got)
			require.NoError(t, st.Close(ctxT(t)))
		})
	}
}

func (s suite) deleteThenRecreate(t *testing.T) {
	// A long flush interval puts every write below into one batch.
	st := openStore(t, s.newBackend(t), storage.ModeAsync, time.Hour)
	old := recordsFor("c")
	old.put(st)
	st.DeleteSession("c")
	st.PutQueued(&storage.Queued{ClientID: "c", Seq: 100, Message: plainMessage("t", "after delete")})
	st.PutSession(&storage.Session{ClientID: "c", ProtocolVersion: 4})
	st.PutSession(&storage.Session{ClientID: "other", ProtocolVersion: 4})
	require.NoError(t, st.Flush(ctxT(t)))
	assert.Equal(t, uint64(1), st.Stats().Batches)

	// And across batches: records written earlier are deleted too.
	st.PutSubscription(&storage.Subscription{ClientID: "other", Filter: "x"})
	require.NoError(t, st.Flush(ctxT(t)))
	st.DeleteSession("other")
	require.NoError(t, st.Flush(ctxT(t)))

	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, []*storage.Session{{ClientID: "c", ProtocolVersion: 4}}, got.Sessions)
	require.Equal(t, []*storage.Queued{{ClientID: "c", Seq: 100, Message: plainMessage("t", "after delete")}}, got.Queued)
	assert.Empty(t, got.Subscriptions)
	assert.Empty(t, got.Inflight)
	require.NoError(t, st.Close(ctxT(t)))
}

func (s suite) queuedOrder(t *testing.T) {
	st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
	seqs := []uint64{1 << 40, 256, 1, 65536, 255, 0, 1<<64 - 1, 2}
	var ds []storage.Done
	for _, id := range []string{"b", "a"} {
		for _, seq := range seqs {
			ds = append(ds, st.PutQueued(&storage.Queued{ClientID: id, Seq: seq, Message: plainMessage("t", fmt.Sprint(seq))}))
		}
	}
	waitAll(t, ds)
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	sorted := slices.Clone(seqs)
	slices.Sort(sorted)
	require.Len(t, got.Queued, 2*len(seqs))
	for i, q := range got.Queued {
		id := "a"
		if i >= len(seqs) {
			id = "b"
		}
		assert.Equal(t, id, q.ClientID)
		assert.Equal(t, sorted[i%len(seqs)], q.Seq)
		assert.Equal(t, fmt.Sprint(q.Seq), string(q.Message.Publish.Payload))
	}
	require.NoError(t, st.Close(ctxT(t)))
}

func (s suite) unknownVersion(t *testing.T) {
	b := s.newBackend(t)
	st := openStore(t, b, storage.ModeSync, 0)
	require.NoError(t, st.PutSession(&storage.Session{ClientID: "ok", ProtocolVersion: 5}).Wait(ctxT(t)))
	// Keys per the documented layout: 'c', uint16 length, id, kind.
	future := []byte("c\x00\x06future" + "s")
	corrupt := []byte("c\x00\x07corrupt" + "s")
	require.NoError(t, b.Apply(ctxT(t), []storage.Op{
		{Key: future, Value: []byte{99, 1, 2, 3}},
		{Key: corrupt, Value: []byte{storage.FormatVersion}},
		{Key: []byte("zunknown namespace"), Value: []byte{storage.FormatVersion}},
	}))
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, []*storage.Session{{ClientID: "ok", ProtocolVersion: 5}}, got.Sessions)
	require.Len(t, got.Skipped, 3)
	var versionErrs int
	for _, sk := range got.Skipped {
		if errors.Is(sk.Err, storage.ErrUnknownVersion) {
			versionErrs++
			assert.Equal(t, future, sk.Key)
		}
	}
	assert.Equal(t, 1, versionErrs)
	require.NoError(t, st.Close(ctxT(t)))
}

// gated holds every Apply until the test opens the gate.
type gated struct {
	storage.Backend
	gate    chan struct{}
	entered chan struct{} // receives once per Apply that reached the gate
}

func (g *gated) Apply(ctx context.Context, ops []storage.Op) error {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Backend.Apply(ctx, ops)
}

func (g *gated) Close() error { return nil }

func (s suite) syncAckAfterDurable(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	g := &gated{Backend: b, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	st := openStore(t, g, storage.ModeSync, 0)
	in := &storage.Inflight{ClientID: "c", Direction: storage.Inbound, PacketID: 5, State: storage.AwaitingPubrel,
		Message: FullMessage("t", 2, 5), Seq: 1}
	d := st.PutInflight(in)
	<-g.entered
	select {
	case <-d.C():
		t.Fatal("write reported done while its batch was not applied")
	default:
	}
	assert.NoError(t, d.Err(), "Err is nil until done")
	assert.Empty(t, scanAll(t, b, nil))
	close(g.gate)
	require.NoError(t, d.Wait(ctxT(t)))
	assert.Len(t, scanAll(t, b, nil), 1, "done means the record is in the backend")
	require.NoError(t, st.Close(ctxT(t)))
	assert.Equal(t, []*storage.Inflight{in}, snapshot(t, b).Inflight)
}

func (s suite) asyncFlush(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	st := openStore(t, noClose{b}, storage.ModeAsync, 0)
	d := st.PutRetained(&storage.Retained{Message: plainMessage("t", "x")})
	select {
	case <-d.C():
	default:
		t.Fatal("async write is not acknowledged at once")
	}
	require.NoError(t, d.Err())
	// Flush returns once the default 10ms window has been cut short.
	require.NoError(t, st.Flush(ctxT(t)))
	assert.Len(t, scanAll(t, b, nil), 1)
	require.NoError(t, st.Close(ctxT(t)))
}

func (s suite) closeDrains(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	st := openStore(t, noClose{b}, storage.ModeAsync, time.Hour)
	const n = 3000
	for i := range n {
		st.PutQueued(&storage.Queued{ClientID: "c", Seq: uint64(i), Message: plainMessage("t", "p")})
	}
	require.NoError(t, st.Close(ctxT(t)))
	assert.Len(t, snapshot(t, b).Queued, n)
	err := st.PutQueued(&storage.Queued{ClientID: "c", Seq: n}).Wait(ctxT(t))
	require.ErrorIs(t, err, storage.ErrClosed, "writes after Close are refused")
	assert.False(t, st.Healthy())
	require.NoError(t, st.Close(ctxT(t)), "a second Close is harmless")
}

func (s suite) concurrentWriters(t *testing.T) {
	st := openStore(t, s.newBackend(t), storage.ModeSync, 0)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("w%d", w)
			for i := range each {
				q := &storage.Queued{ClientID: id, Seq: uint64(i), Message: plainMessage("t", id)}
				if err := st.PutQueued(q).Wait(context.Background()); err != nil {
					errs <- err
					return
				}
				if i%2 == 1 {
					st.DeleteQueued(id, uint64(i-1))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := st.Restore(ctxT(t))
	require.NoError(t, err)
	require.Len(t, got.Queued, writers*each/2)
	for _, q := range got.Queued {
		assert.Equal(t, uint64(1), q.Seq%2)
	}
	stats := st.Stats()
	assert.Zero(t, stats.QueuedOps)
	assert.LessOrEqual(t, stats.Batches, uint64(writers*each*3/2), "writes share batches")
	t.Logf("%d writes in %d batches", stats.Ops, stats.Batches)
	require.NoError(t, st.Close(ctxT(t)))
}

func (s suite) atomicBatch(t *testing.T) {
	b := s.newBackend(t)
	defer func() { require.NoError(t, b.Close()) }()
	CheckAtomicBatches(t, b, 100, func(ctx context.Context, _ [][]byte) ([]string, error) {
		var vals []string
		err := b.Scan(ctx, []byte("atomic/"), func(_, v []byte) error {
			vals = append(vals, string(v))
			return nil
		})
		return vals, err
	})
}

// CheckAtomicBatches applies rounds of batches that rewrite the same 40
// keys ("atomic/00".."atomic/39") with the round's number while read
// returns the keys' values, and fails if a read ever sees two rounds: a
// batch was visible half applied. read gets the keys; a backend whose Scan
// is not a snapshot reads them some other atomic way (Redis: MGET).
func CheckAtomicBatches(t *testing.T, b storage.Backend, rounds int, read func(ctx context.Context, keys [][]byte) ([]string, error)) {
	t.Helper()
	ctx := ctxT(t)
	const keys = 40
	names := make([][]byte, keys)
	for i := range names {
		names[i] = fmt.Appendf(nil, "atomic/%02d", i)
	}
	batch := func(gen int) []storage.Op {
		ops := make([]storage.Op, keys)
		for i := range ops {
			ops[i] = storage.Op{Key: names[i], Value: fmt.Appendf(nil, "%d", gen)}
		}
		return ops
	}
	require.NoError(t, b.Apply(ctx, batch(0)))
	done := make(chan error, 1)
	go func() {
		for gen := 1; gen <= rounds; gen++ {
			if err := b.Apply(ctx, batch(gen)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for running := true; running; {
		select {
		case err := <-done:
			require.NoError(t, err)
			running = false
		default:
		}
		vals, err := read(ctx, names)
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, v := range vals {
			seen[v] = true
		}
		require.Len(t, seen, 1, "a read saw a half-applied batch: %v", seen)
	}
}

func (s suite) reopen(t *testing.T) {
	b := s.newBackend(t)
	st := openStore(t, b, storage.ModeSync, 0)
	want := putFixture(t, st)
	// Writes still queued in async mode are drained by Close.
	require.NoError(t, st.Close(ctxT(t)))

	b2 := s.opts.Reopen(t, b)
	st2 := openStore(t, b2, storage.ModeAsync, time.Hour)
	got, err := st2.Restore(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, want, got)
	st2.DeleteSession("a/b")
	st2.PutQueued(&storage.Queued{ClientID: "client-1", Seq: 99, Message: plainMessage("t", "late")})
	require.NoError(t, st2.Close(ctxT(t)), "Close drains the async queue")

	b3 := s.opts.Reopen(t, b2)
	st3 := openStore(t, b3, storage.ModeSync, 0)
	got, err = st3.Restore(ctxT(t))
	require.NoError(t, err)
	for _, sess := range got.Sessions {
		assert.NotEqual(t, "a/b", sess.ClientID)
	}
	assert.Len(t, got.Sessions, len(want.Sessions)-1)
	assert.Contains(t, got.Queued, &storage.Queued{ClientID: "client-1", Seq: 99, Message: plainMessage("t", "late")})
	require.NoError(t, st3.Close(ctxT(t)))
}
