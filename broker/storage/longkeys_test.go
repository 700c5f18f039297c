// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
	"github.com/wrenmq/wrenmq/codec"
)

func ctx30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// keepOpen keeps the backend open when a Store closes it.
type keepOpen struct{ storage.Backend }

func (keepOpen) Close() error { return nil }

// rawRecords reads every key and value of b.
func rawRecords(t *testing.T, b storage.Backend) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	require.NoError(t, b.Scan(ctx30(t), nil, func(k, v []byte) error {
		m[string(k)] = append([]byte(nil), v...)
		return nil
	}))
	return m
}

func spelledClientPrefix(id string) []byte {
	k := []byte{'c'}
	k = binary.BigEndian.AppendUint16(k, uint16(len(id)))
	return append(k, id...)
}

func waitDone(t *testing.T, ds ...storage.Done) {
	t.Helper()
	for _, d := range ds {
		require.NoError(t, d.Wait(ctx30(t)))
	}
}

// TestLegacyLongKeysMigrated: records that earlier builds stored under
// spelled-out keys this build replaces by digests (longer than MaxKeyLen,
// which the memory and Redis backends accepted, or with a client id over
// 64,900 bytes) are restored, then moved to their current keys, so that
// deleting them later works. (A helper's review found that an ended
// session, an UNSUBSCRIBE or a cleared retained message came back at every
// restart.)
func TestLegacyLongKeysMigrated(t *testing.T) {
	mem := storage.NewMemory()
	st := storage.NewStore(keepOpen{mem}, storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	longID := strings.Repeat("i", 65535)
	longFilter := strings.Repeat("f", 65535)
	longTopic := strings.Repeat("t", 65535)
	// Values as the store encodes them (neither a session's nor a plain
	// subscription's value holds the client id or the filter).
	waitDone(t,
		st.PutSession(&storage.Session{ClientID: "x", ProtocolVersion: 5, ExpiryInterval: 60}),
		st.PutSubscription(&storage.Subscription{ClientID: "x", Filter: "short", QoS: 1}),
		st.PutRetained(&storage.Retained{Message: storage.Message{Publish: codec.Publish{Topic: longTopic, Payload: []byte("r")}}}))
	vals := rawRecords(t, mem)
	sessVal := vals[string(append(spelledClientPrefix("x"), 's'))]
	subVal := vals[string(append(spelledClientPrefix("x"), append([]byte("u"), "short"...)...))]
	digest := sha256.Sum256([]byte(longTopic))
	retVal := vals[string(append([]byte{'R'}, digest[:]...))]
	require.NotNil(t, sessVal)
	require.NotNil(t, subVal)
	require.NotNil(t, retVal)

	// The records as an earlier build keyed them.
	require.NoError(t, mem.Apply(ctx30(t), []storage.Op{
		{Key: append(spelledClientPrefix(longID), 's'), Value: sessVal},
		{Key: append(append(spelledClientPrefix("x"), 'u'), longFilter...), Value: subVal},
		{Key: append([]byte{'r'}, longTopic...), Value: retVal},
		{Key: append([]byte{'R'}, digest[:]...), Delete: true},
	}))
	snap, err := st.Restore(ctx30(t))
	require.NoError(t, err)
	require.Len(t, snap.Sessions, 2, "x and the long id")
	require.Len(t, snap.Subscriptions, 2)
	require.Len(t, snap.Retained, 1)
	require.NoError(t, st.Flush(ctx30(t)))
	for k := range rawRecords(t, mem) {
		require.Less(t, len(k), 100, "a record is still under its earlier key (%.20q..., %d bytes)", k, len(k))
	}

	// The client's session ends, it unsubscribes, the retained message is
	// cleared: nothing of them is left.
	waitDone(t, st.DeleteSession(longID), st.DeleteSubscription("x", longFilter), st.DeleteRetained(longTopic))
	snap, err = st.Restore(ctx30(t))
	require.NoError(t, err)
	require.Len(t, snap.Sessions, 1, "the long id's session is deleted")
	require.Len(t, snap.Subscriptions, 1, "the long filter's subscription is deleted")
	require.Empty(t, snap.Retained, "the long topic's retained message is deleted")
}

// partialBackend applies only the first n ops of the batch it is armed for
// and then fails every Apply, as a process that crashed while Badger
// committed an oversized batch in several transactions would leave it.
type partialBackend struct {
	*storage.Memory
	n    int
	arm  atomic.Bool
	dead atomic.Bool
}

func (p *partialBackend) Apply(ctx context.Context, ops []storage.Op) error {
	if p.dead.Load() {
		return errors.New("crashed")
	}
	if p.arm.Load() {
		p.dead.Store(true)
		return errors.Join(p.Memory.Apply(ctx, ops[:min(p.n, len(ops))]), errors.New("crashed mid-batch"))
	}
	return p.Memory.Apply(ctx, ops)
}

func (p *partialBackend) Close() error { return nil }

// TestHashedGroupDeletedInPart: a session delete of a client whose keys
// hold a digest of its id deletes the identity record last, so that
// whatever part of it reached the backend, the records left are named at
// Restore (and can be deleted); records whose identity record is gone
// anyway are deleted by Restore, so that a client coming back with that id
// does not find them in its new session.
func TestHashedGroupDeletedInPart(t *testing.T) {
	id := strings.Repeat("L", 65000)
	put := func(t *testing.T, st *storage.Store) {
		waitDone(t,
			st.PutSession(&storage.Session{ClientID: id, ProtocolVersion: 5, ExpiryInterval: 60}),
			st.PutSubscription(&storage.Subscription{ClientID: id, Filter: "stale/filter", QoS: 1}),
			st.PutQueued(&storage.Queued{ClientID: id, Seq: 1, Message: storagetest.FullMessage("stale/topic", 1, 1)}))
	}
	for n := 1; n <= 3; n++ { // the group has 4 records: session, subscription, queued, identity
		b := &partialBackend{Memory: storage.NewMemory(), n: n}
		st := storage.NewStore(b, storage.Options{RetryMin: time.Millisecond, Logger: quiet})
		put(t, st)
		b.arm.Store(true)
		st.DeleteSession(id) // the process dies during the batch
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_ = st.Close(ctx)
		cancel()

		st = storage.NewStore(&partialBackend{Memory: b.Memory}, storage.Options{Logger: quiet})
		snap, err := st.Restore(ctx30(t))
		require.NoError(t, err)
		require.Empty(t, snap.Skipped, "%d of 4 deletes applied: every record left is named", n)
		waitDone(t, st.DeleteSession(id))
		require.Empty(t, rawRecords(t, b.Memory), "%d of 4 deletes applied: all deleted at last", n)
		require.NoError(t, st.Close(ctx30(t)))
	}

	// Records without their identity record are deleted at Restore.
	mem := storage.NewMemory()
	st := storage.NewStore(keepOpen{mem}, storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	put(t, st)
	sum := sha256.Sum256([]byte(id))
	require.NoError(t, mem.Apply(ctx30(t), []storage.Op{{Key: append(append([]byte{'h'}, sum[:]...), 'd'), Delete: true}}))
	snap, err := st.Restore(ctx30(t))
	require.NoError(t, err)
	require.Len(t, snap.Skipped, 3, "the unnamed records are reported")
	require.NoError(t, st.Flush(ctx30(t)))
	require.Empty(t, rawRecords(t, mem), "and deleted")
}

// TestMigrateKeepsNewerCurrentRecord: a record under an earlier key
// beside a newer one under the current key (builds 9b9cee9 to f1c03d2
// wrote the new keys and left the old ones) is only deleted: the newer
// one stays, and Restore returns it alone (found by a helper's review).
func TestMigrateKeepsNewerCurrentRecord(t *testing.T) {
	mem := storage.NewMemory()
	st := storage.NewStore(keepOpen{mem}, storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	topic := strings.Repeat("t", 65535)
	waitDone(t, st.PutRetained(&storage.Retained{Message: storage.Message{Publish: codec.Publish{Topic: topic, Payload: []byte("old")}}}))
	digest := sha256.Sum256([]byte(topic))
	oldVal := rawRecords(t, mem)[string(append([]byte{'R'}, digest[:]...))]
	require.NotNil(t, oldVal)
	// the earlier build's record, and a newer message under the current key
	require.NoError(t, mem.Apply(ctx30(t), []storage.Op{{Key: append([]byte{'r'}, topic...), Value: oldVal}}))
	waitDone(t, st.PutRetained(&storage.Retained{Message: storage.Message{Publish: codec.Publish{Topic: topic, Payload: []byte("new")}}}))

	snap, err := st.Restore(ctx30(t))
	require.NoError(t, err)
	assert.Len(t, snap.Retained, 1, "one retained message per topic")
	require.NoError(t, st.Flush(ctx30(t)))
	snap, err = st.Restore(ctx30(t))
	require.NoError(t, err)
	require.Len(t, snap.Retained, 1)
	require.Equal(t, "new", string(snap.Retained[0].Message.Publish.Payload), "the newer retained message survives migration")
}

// TestMigrateCrashLosesNothing: a crash while the moves of records from
// earlier keys reach the backend in part loses none of them (found by a
// helper's review).
func TestMigrateCrashLosesNothing(t *testing.T) {
	longID := strings.Repeat("i", 65535)
	mem0 := storage.NewMemory()
	st0 := storage.NewStore(keepOpen{mem0}, storage.Options{Logger: quiet})
	waitDone(t,
		st0.PutSession(&storage.Session{ClientID: "x", ProtocolVersion: 5, ExpiryInterval: 60}),
		st0.PutQueued(&storage.Queued{ClientID: "x", Seq: 7, Message: storagetest.FullMessage("q/1", 1, 0)}))
	vals := rawRecords(t, mem0)
	sessVal := vals[string(append(spelledClientPrefix("x"), 's'))]
	qKey := append(spelledClientPrefix("x"), 'q', 0, 0, 0, 0, 0, 0, 0, 7)
	qVal := vals[string(qKey)]
	require.NotNil(t, sessVal)
	require.NotNil(t, qVal)
	require.NoError(t, st0.Close(ctx30(t)))

	for n := 1; n <= 5; n++ {
		b := &partialBackend{Memory: storage.NewMemory(), n: n}
		require.NoError(t, b.Memory.Apply(ctx30(t), []storage.Op{
			{Key: append(spelledClientPrefix(longID), 's'), Value: sessVal},
			{Key: append(spelledClientPrefix(longID), 'q', 0, 0, 0, 0, 0, 0, 0, 7), Value: qVal},
		}))
		st := storage.NewStore(b, storage.Options{RetryMin: time.Millisecond, Logger: quiet})
		b.arm.Store(true)
		snap, err := st.Restore(ctx30(t)) // migrate's batch is cut after n ops
		require.NoError(t, err)
		require.Len(t, snap.Queued, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_ = st.Close(ctx)
		cancel()

		st = storage.NewStore(&partialBackend{Memory: b.Memory}, storage.Options{Logger: quiet})
		snap, err = st.Restore(ctx30(t))
		require.NoError(t, err)
		require.Len(t, snap.Sessions, 1, "n=%d: session survives", n)
		require.Len(t, snap.Queued, 1, "n=%d: queued message survives", n)
		require.NoError(t, st.Close(ctx30(t)))
	}
}

// TestUndecodableIdentityKeepsRecords: an identity record Restore cannot
// decode (a later build's format version, say) leaves its client's records
// in the backend, as Skipped promises, rather than deleting them as
// unnamed (found by a helper's review).
func TestUndecodableIdentityKeepsRecords(t *testing.T) {
	id := strings.Repeat("L", 65000)
	mem := storage.NewMemory()
	st := storage.NewStore(keepOpen{mem}, storage.Options{Logger: quiet})
	defer st.Close(context.Background())
	waitDone(t,
		st.PutSession(&storage.Session{ClientID: id, ProtocolVersion: 5, ExpiryInterval: 60}),
		st.PutQueued(&storage.Queued{ClientID: id, Seq: 1, Message: storagetest.FullMessage("t", 1, 1)}))
	sum := sha256.Sum256([]byte(id))
	idKey := append(append([]byte{'h'}, sum[:]...), 'd')
	v := rawRecords(t, mem)[string(idKey)]
	require.NotNil(t, v)
	v[0] = 0xEE // unknown format version
	require.NoError(t, mem.Apply(ctx30(t), []storage.Op{{Key: idKey, Value: v}}))
	before := len(rawRecords(t, mem))
	snap, err := st.Restore(ctx30(t))
	require.NoError(t, err)
	require.NotEmpty(t, snap.Skipped)
	require.NoError(t, st.Flush(ctx30(t)))
	require.Len(t, rawRecords(t, mem), before, "skipped records are left in the backend")
}
