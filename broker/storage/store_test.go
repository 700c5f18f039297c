// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

var quiet = slog.New(slog.DiscardHandler)

// flaky fails every Apply while fail is set and reports each attempt.
type flaky struct {
	*storage.Memory
	fail     atomic.Bool
	attempts chan struct{}
	gate     chan struct{} // when non-nil, Apply waits for it
}

func newFlaky() *flaky {
	return &flaky{Memory: storage.NewMemory(), attempts: make(chan struct{}, 100)}
}

func (f *flaky) Apply(ctx context.Context, ops []storage.Op) error {
	select {
	case f.attempts <- struct{}{}:
	default:
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.fail.Load() {
		return errors.New("injected failure")
	}
	return f.Memory.Apply(ctx, ops)
}

func msg(topic string) storage.Message {
	return storage.Message{Publish: codec.Publish{Topic: topic, QoS: 1, PacketID: 1, Payload: []byte("p")}}
}

func TestStoreRetriesAndReportsHealth(t *testing.T) {
	b := newFlaky()
	b.fail.Store(true)
	st := storage.NewStore(b, storage.Options{RetryMin: time.Millisecond, RetryMax: 2 * time.Millisecond, Logger: quiet})
	defer func() { require.NoError(t, st.Close(context.Background())) }()

	d := st.PutQueued(&storage.Queued{ClientID: "c", Seq: 1, Message: msg("t")})
	<-b.attempts
	<-b.attempts
	<-b.attempts // a third attempt: the first two have failed (the flag is read after the signal)
	assert.False(t, st.Healthy())
	select {
	case <-d.C():
		t.Fatal("a failed write was acknowledged")
	default:
	}
	b.fail.Store(false)
	require.NoError(t, d.Wait(t.Context()))
	assert.True(t, st.Healthy())
	stats := st.Stats()
	assert.GreaterOrEqual(t, stats.Failures, uint64(2))
	assert.Equal(t, uint64(1), stats.Ops)
	assert.Zero(t, stats.QueuedOps)
	assert.Zero(t, stats.Abandoned)
}

// TestStoreWritesNeverWait: writes to a full queue return at once (their
// callers may hold locks; one waiting there once deadlocked the broker
// with a Hold's owner) and pass the bound; WaitRoom, called by writers
// holding no lock, returns at once while there is room and otherwise
// waits until the writer has made room.
func TestStoreWritesNeverWait(t *testing.T) {
	st, open := gatedStore(t)
	st.WaitRoom() // one operation of two: room, no wait
	written := make(chan struct{})
	go func() {
		for seq := range uint64(3) {
			st.PutQueued(&storage.Queued{ClientID: "c", Seq: 2 + seq, Message: msg("t")})
		}
		close(written)
	}()
	select {
	case <-written:
	case <-time.After(10 * time.Second):
		open()
		t.Fatal("a write waited for room in the full queue")
	}
	assert.Equal(t, 4, st.Stats().QueuedOps)
	returned := make(chan struct{})
	go func() {
		st.WaitRoom()
		close(returned)
	}()
	require.Eventually(t, func() bool { return st.Stats().Blocked == 1 }, 10*time.Second, time.Millisecond)
	select {
	case <-returned:
		t.Fatal("WaitRoom returned while the queue was over its bound")
	default:
	}
	open()
	<-returned
	require.NoError(t, st.Flush(t.Context()))
	assert.Equal(t, uint64(4), st.Stats().Ops)
}

// gatedStore returns a store whose backend holds every Apply until open
// is called (at the latest when t ends, before the store is closed), with
// a queue of two operations, the first of them already in Apply.
func gatedStore(t *testing.T) (*storage.Store, func()) {
	b := newFlaky()
	b.gate = make(chan struct{})
	st := storage.NewStore(b, storage.Options{Mode: storage.ModeAsync, FlushInterval: time.Microsecond,
		MaxQueueOps: 2, Logger: quiet})
	open := sync.OnceFunc(func() { close(b.gate) })
	t.Cleanup(func() { require.NoError(t, st.Close(context.Background())) })
	t.Cleanup(open)
	st.PutQueued(&storage.Queued{ClientID: "c", Seq: 1, Message: msg("t")})
	<-b.attempts // the writer holds op 1 in Apply
	return st, open
}

func TestStoreCloseAbandonsWhenBackendStaysDown(t *testing.T) {
	b := newFlaky()
	b.fail.Store(true)
	st := storage.NewStore(b, storage.Options{RetryMin: time.Millisecond, Logger: quiet})
	d := st.PutSession(&storage.Session{ClientID: "c"})
	<-b.attempts
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := st.Close(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "1 writes abandoned")
	require.ErrorIs(t, d.Wait(context.Background()), storage.ErrClosed)
	assert.Equal(t, uint64(1), st.Stats().Abandoned)
	assert.False(t, st.Healthy())
	require.ErrorIs(t, st.Ping(context.Background()), storage.ErrClosed)
}

func TestStoreRefusesOversizedClientID(t *testing.T) {
	st := storage.NewStore(storage.NewMemory(), storage.Options{Mode: storage.ModeAsync, Logger: quiet})
	defer func() { require.NoError(t, st.Close(context.Background())) }()
	long := strings.Repeat("x", 65536)
	for _, d := range []storage.Done{
		st.PutSession(&storage.Session{ClientID: long}),
		st.DeleteSession(long),
		st.PutQueued(&storage.Queued{ClientID: long}),
	} {
		err := d.Wait(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "client id longer than 65535 bytes")
	}
	require.NoError(t, st.PutSession(&storage.Session{ClientID: long[:65535]}).Wait(t.Context()))
	require.NoError(t, st.Flush(t.Context()))
}

func rawKeys(t *testing.T, b storage.Backend) map[string]string {
	got := map[string]string{}
	require.NoError(t, b.Scan(t.Context(), nil, func(k, v []byte) error {
		got[string(k)] = string(v)
		return nil
	}))
	return got
}

// TestRecordLayout pins the documented key layout and a few values, so
// that a change of the format is a deliberate one (with a new version).
func TestRecordLayout(t *testing.T) {
	m := storage.NewMemory()
	st := storage.NewStore(noClose{m}, storage.Options{Logger: quiet})
	defer func() { require.NoError(t, st.Close(context.Background())) }()
	require.NoError(t, st.PutSession(&storage.Session{ClientID: "ab", ProtocolVersion: 4, ExpiryInterval: 300, Username: "u"}).Wait(t.Context()))
	require.NoError(t, st.PutSubscription(&storage.Subscription{ClientID: "ab", Filter: "x/#", QoS: 2, NoLocal: true, RetainHandling: 1, Identifier: 300}).Wait(t.Context()))
	require.NoError(t, st.PutInflight(&storage.Inflight{ClientID: "ab", Direction: storage.Inbound, PacketID: 0x0102, State: storage.AwaitingPubrel, Seq: 7}).Wait(t.Context()))
	require.NoError(t, st.PutQueued(&storage.Queued{ClientID: "ab", Seq: 0x0102, Message: storage.Message{Publish: codec.Publish{Topic: "t", Payload: []byte("hi")}}}).Wait(t.Context()))
	require.NoError(t, st.PutRetained(&storage.Retained{Message: storage.Message{Publish: codec.Publish{Topic: "t/r", Retain: true}}}).Wait(t.Context()))
	require.NoError(t, st.PutCounters(&storage.Counters{ClientsTotal: 1, BytesSent: 2}).Wait(t.Context()))
	assert.Equal(t, map[string]string{
		"c\x00\x02abs":             "\x01\x04\x00\xac\x02\x01u\x00",
		"c\x00\x02abux/#":          "\x01\x02\x01\x01\xac\x02",
		"c\x00\x02abi\x02\x01\x02": "\x01\x04\x07\x01", // empty message
		"c\x00\x02abq\x00\x00\x00\x00\x00\x00\x01\x02": "\x01\x00" + "\x30\x06\x00\x01t\x00hi",
		"rt/r": "\x01\x00" + "\x31\x06\x00\x03t/r\x00",
		"n":    "\x01\x06\x01\x00\x00\x00\x00\x02",
	}, rawKeys(t, m))
}

func TestCountersAcceptMoreFields(t *testing.T) {
	m := storage.NewMemory()
	// A later version of the broker stored eight counters.
	require.NoError(t, m.Apply(t.Context(), []storage.Op{{Key: []byte("n"), Value: []byte{1, 8, 1, 2, 3, 4, 5, 6, 7, 8}}}))
	st := storage.NewStore(m, storage.Options{Logger: quiet})
	defer func() { require.NoError(t, st.Close(context.Background())) }()
	snap, err := st.Restore(t.Context())
	require.NoError(t, err)
	assert.Equal(t, storage.Counters{ClientsTotal: 1, MessagesReceived: 2, MessagesSent: 3, MessagesDropped: 4,
		BytesReceived: 5, BytesSent: 6}, snap.Counters)
	assert.Empty(t, snap.Skipped)
}

type noClose struct{ storage.Backend }

func (noClose) Close() error { return nil }

// TestStoreWritesAfterEmptyFlush is the regression test for a Flush with
// nothing queued leaving the idle writer without a wake-up: every later
// write in sync mode then waited forever.
func TestStoreWritesAfterEmptyFlush(t *testing.T) {
	st := storage.NewStore(storage.NewMemory(), storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, st.Flush(ctx))
	// Let the writer reach its idle wait before the flush, then again.
	require.NoError(t, st.Flush(ctx))
	require.NoError(t, st.PutRetained(&storage.Retained{Message: msg("a")}).Wait(ctx))
	_, err := st.Restore(ctx)
	require.NoError(t, err)
	require.NoError(t, st.PutRetained(&storage.Retained{Message: msg("b")}).Wait(ctx))
}

// TestStoreHoldKeepsWritesInOneBatch: writes made between Hold and Release
// reach the backend in a single Apply, even beyond the batch limits.
func TestStoreHoldKeepsWritesInOneBatch(t *testing.T) {
	b := &countingBackend{Memory: storage.NewMemory()}
	st := storage.NewStore(b, storage.Options{Logger: quiet, MaxBatchOps: 2})
	defer st.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st.Hold()
	var last storage.Done
	for i := range 5 {
		last = st.PutRetained(&storage.Retained{Message: msg(fmt.Sprint("t/", i))})
	}
	select {
	case <-last.C():
		t.Fatal("a held batch was written before Release")
	default:
	}
	st.Release()
	require.NoError(t, last.Wait(ctx))
	require.Equal(t, []int{5}, b.sizes())
}

// countingBackend records the size of every Apply.
type countingBackend struct {
	*storage.Memory
	mu    sync.Mutex
	batch []int
}

func (c *countingBackend) Apply(ctx context.Context, ops []storage.Op) error {
	c.mu.Lock()
	c.batch = append(c.batch, len(ops))
	c.mu.Unlock()
	return c.Memory.Apply(ctx, ops)
}

func (c *countingBackend) sizes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.batch...)
}

func TestGroupLen(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want int
	}{
		{"", 0},
		{"c", 0},
		{"c\x00", 0},
		{"c\x00\x00", 3},            // the empty client id
		{"c\x00\x00s", 3},           // its session
		{"c\x00\x02a", 0},           // shorter than its client id
		{"c\x00\x02ab", 5},          // a whole client prefix
		{"c\x00\x02abq\x00\x01", 5}, // a record under it
		{"c\x01\x00ab", 0},          // a 256-byte id, cut short
		{"rc\x00\x00", 0},           // a retained topic
		{"n", 0},
	} {
		assert.Equal(t, tc.want, storage.GroupLen([]byte(tc.key)), "%q", tc.key)
	}
}

// TestStoreOverlappingHoldsDoNotStarveTheWriter runs writers whose Holds
// overlap without a gap, as many QoS 1 publishers do. Before batches could
// be sealed under an open Hold, the writer waited for a moment with no
// Hold open and wrote everything as one batch (576,042 ops of 576,043 in a
// second), past MaxBatchOps and MaxQueueOps.
func TestStoreOverlappingHoldsDoNotStarveTheWriter(t *testing.T) {
	const writers, each, maxBatch = 8, 2000, 64
	b := &countingBackend{Memory: storage.NewMemory()}
	st := storage.NewStore(b, storage.Options{Logger: quiet, MaxBatchOps: maxBatch})
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				st.WaitTurn()
				st.Hold()
				st.PutQueued(&storage.Queued{ClientID: fmt.Sprint("c", g), Seq: uint64(i), Message: msg("t")})
				st.PutQueued(&storage.Queued{ClientID: fmt.Sprint("d", g), Seq: uint64(i), Message: msg("t")})
				st.Release()
			}
		})
	}
	wg.Wait()
	require.NoError(t, st.Close(context.Background()))
	total := 0
	for _, n := range b.sizes() {
		total += n
		// A seal lets in at most one more Hold per writer that had passed
		// WaitTurn: two ops each, plus one more for a writer racing it.
		require.LessOrEqual(t, n, maxBatch+4*writers, "batch sizes %v", b.sizes())
	}
	require.Equal(t, 2*writers*each, total)
}

// TestStoreSessionChurnInOneBatch: a client whose session ends and starts
// again many times within one batch costs each key one delete; before,
// each session delete repeated the deletes of the ones before it (a
// chaos run built a batch of 852,751 operations). The last puts survive.
func TestStoreSessionChurnInOneBatch(t *testing.T) {
	b := &countingBackend{Memory: storage.NewMemory()}
	st := storage.NewStore(b, storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	require.NoError(t, st.PutQueued(&storage.Queued{ClientID: "c", Seq: 1000, Message: msg("t")}).Wait(t.Context()))
	const rounds = 200
	st.Hold()
	for i := range uint64(rounds) {
		st.PutQueued(&storage.Queued{ClientID: "c", Seq: i, Message: msg("t")})
		st.PutQueued(&storage.Queued{ClientID: "other", Seq: i, Message: msg("t")})
		st.DeleteSession("c")
	}
	last := st.PutQueued(&storage.Queued{ClientID: "c", Seq: 7, Message: msg("t")})
	st.Release()
	require.NoError(t, last.Wait(t.Context()))
	sizes := b.sizes()
	// 1 + 3 per round (two puts, the delete of the round's put) + the
	// backend key's delete + the last put.
	require.Equal(t, []int{1, 3*rounds + 2}, sizes)
	snap, err := st.Restore(t.Context())
	require.NoError(t, err)
	var seqs []uint64
	for _, q := range snap.Queued {
		if q.ClientID == "c" {
			seqs = append(seqs, q.Seq)
		}
	}
	require.Equal(t, []uint64{7}, seqs)
	require.Len(t, snap.Queued, rounds+1)
}
