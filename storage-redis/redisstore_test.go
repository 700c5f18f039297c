// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
	redisstore "github.com/wrenmq/wrenmq/storage-redis"
	"github.com/wrenmq/wrenmq/storage-redis/redistest"
)

var quiet = slog.New(slog.DiscardHandler)

// uniquePrefix keeps tests apart on a shared $REDIS_ADDR server; it holds
// glob characters on purpose.
func uniquePrefix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "wrenmq-test[*?]:" + hex.EncodeToString(b) + ":"
}

func open(t *testing.T, addr, prefix string) *redisstore.Backend {
	t.Helper()
	b, err := redisstore.Open(redisstore.Options{Addr: addr, Prefix: prefix, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestSuite(t *testing.T) {
	addr := redistest.Start(t)
	prefixes := map[storage.Backend]string{}
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		p := uniquePrefix()
		b := open(t, addr, p)
		prefixes[b] = p
		return b
	}, storagetest.RunOptions{
		// Batches are atomic (MULTI/EXEC) but a SCAN is not a snapshot;
		// TestBatchAtomic checks the former.
		Reopen: func(t *testing.T, old storage.Backend) storage.Backend {
			p := prefixes[old]
			b := open(t, addr, p)
			prefixes[b] = p
			return b
		},
	})
}

// TestBatchAtomic reads all keys of a batch with one MGET while batches
// that rewrite them all are applied: MULTI/EXEC never shows half of one.
func TestBatchAtomic(t *testing.T) {
	addr := redistest.Start(t)
	prefix := uniquePrefix()
	b := open(t, addr, prefix)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	var names []string
	storagetest.CheckAtomicBatches(t, b, 200, func(ctx context.Context, keys [][]byte) ([]string, error) {
		if names == nil {
			for _, k := range keys {
				names = append(names, prefix+hex.EncodeToString(k)) // the documented key layout
			}
		}
		vals, err := c.MGet(ctx, names...).Result()
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = fmt.Sprint(v)
		}
		return out, err
	})
	require.NoError(t, c.Del(t.Context(), names...).Err())
}

func TestPrefixesDoNotOverlap(t *testing.T) {
	addr := redistest.Start(t)
	ctx := t.Context()
	a := open(t, addr, "wrenmq-test-a:")
	ab := open(t, addr, "wrenmq-test-a*:") // a glob in a prefix matches only itself
	require.NoError(t, a.Apply(ctx, []storage.Op{{Key: []byte("k"), Value: []byte("a")}}))
	require.NoError(t, ab.Apply(ctx, []storage.Op{{Key: []byte("k"), Value: []byte("ab")}}))
	var got []string
	require.NoError(t, ab.Scan(ctx, nil, func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	}))
	assert.Equal(t, []string{"k=ab"}, got)
	require.NoError(t, a.Apply(ctx, []storage.Op{{Key: []byte("k"), Delete: true}}))
	require.NoError(t, ab.Apply(ctx, []storage.Op{{Key: []byte("k"), Delete: true}}))
}

func TestOpenErrors(t *testing.T) {
	_, err := redisstore.Open(redisstore.Options{})
	require.ErrorContains(t, err, "Addr is empty")
	srv := redistest.StartServer(t)
	addr := srv.Addr()
	srv.Stop()
	_, err = redisstore.Open(redisstore.Options{Addr: addr, Logger: quiet})
	require.ErrorContains(t, err, "redis store: open "+addr+": ping")
}

// logWatch is a slog handler that reports records containing a message.
type logWatch struct {
	slog.Handler
	want string
	seen chan string
}

func (w logWatch) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, w.want) {
		select {
		case w.seen <- r.Message:
		default:
		}
	}
	return nil
}

func (w logWatch) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w logWatch) WithGroup(string) slog.Handler      { return w }

// TestOutage stops Redis under a Store, checks that writes wait and the
// store reports unhealthy, then restarts Redis on the same port and checks
// that the queued writes are retried into it.
func TestOutage(t *testing.T) {
	srv := redistest.StartServer(t)
	b := open(t, srv.Addr(), uniquePrefix())
	failed := logWatch{Handler: slog.DiscardHandler, want: "write failed", seen: make(chan string, 1)}
	recovered := logWatch{Handler: slog.DiscardHandler, want: "recovered", seen: make(chan string, 1)}
	log := slog.New(multi{failed, recovered})
	st := storage.NewStore(b, storage.Options{Mode: storage.ModeSync, RetryMin: 10 * time.Millisecond,
		RetryMax: 100 * time.Millisecond, Logger: log})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	require.NoError(t, st.PutSession(&storage.Session{ClientID: "before", ProtocolVersion: 5}).Wait(ctx))
	require.True(t, st.Healthy())

	srv.Stop()
	q := &storage.Queued{ClientID: "during", Seq: 1, Message: storagetest.FullMessage("t", 1, 0)}
	d := st.PutQueued(q)
	<-failed.seen
	assert.False(t, st.Healthy(), "not ready while Redis is down")
	require.Error(t, st.Ping(ctx))
	select {
	case <-d.C():
		t.Fatal("a write was acknowledged while Redis was down")
	default:
	}
	d2 := st.PutSession(&storage.Session{ClientID: "during", ProtocolVersion: 4})

	srv.Restart()
	require.NoError(t, d.Wait(ctx))
	require.NoError(t, d2.Wait(ctx))
	<-recovered.seen
	assert.True(t, st.Healthy())
	require.NoError(t, st.Ping(ctx))
	assert.NotZero(t, st.Stats().Failures)

	// The restarted server has no persistence, so only writes made during
	// the outage are there: they were retried, not lost.
	snap, err := st.Restore(ctx)
	require.NoError(t, err)
	require.Equal(t, []*storage.Session{{ClientID: "during", ProtocolVersion: 4}}, snap.Sessions)
	require.Equal(t, []*storage.Queued{q}, snap.Queued)
	require.NoError(t, st.Close(ctx))
}

// multi fans records out to several handlers.
type multi []slog.Handler

func (m multi) Enabled(context.Context, slog.Level) bool { return true }
func (m multi) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range m {
		_ = h.Handle(ctx, r)
	}
	return nil
}
func (m multi) WithAttrs([]slog.Attr) slog.Handler { return m }
func (m multi) WithGroup(string) slog.Handler      { return m }

// scanCalls reads how many SCAN commands the server has run.
func scanCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(t.Context(), "commandstats").Result()
	require.NoError(t, err)
	for line := range strings.SplitSeq(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_scan:calls="); ok {
			n, err := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			require.NoError(t, err)
			return n
		}
	}
	return 0
}

// TestDeleteSessionReadsOnlyItsGroup deletes a session among many records
// of other clients and retained messages: the store reads the session's
// own hash, it does not walk the keyspace with SCAN (which made every
// session end cost the size of the database).
func TestDeleteSessionReadsOnlyItsGroup(t *testing.T) {
	srv := redistest.StartServer(t)
	b := open(t, srv.Addr(), uniquePrefix())
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	st := storage.NewStore(b, storage.Options{Mode: storage.ModeSync, Logger: quiet})
	ctx := t.Context()
	var ds []storage.Done
	for i := range 200 {
		id := fmt.Sprintf("other-%d", i)
		ds = append(ds, st.PutSession(&storage.Session{ClientID: id, ProtocolVersion: 5}),
			st.PutQueued(&storage.Queued{ClientID: id, Seq: 1, Message: storagetest.FullMessage("t", 1, 0)}),
			st.PutRetained(&storage.Retained{Message: storagetest.FullMessage(id, 1, 0)}))
	}
	for i := range 3 {
		ds = append(ds, st.PutQueued(&storage.Queued{ClientID: "gone", Seq: uint64(i), Message: storagetest.FullMessage("t", 1, 0)}))
	}
	ds = append(ds, st.PutSession(&storage.Session{ClientID: "gone", ProtocolVersion: 5}))
	for _, d := range ds {
		require.NoError(t, d.Wait(ctx))
	}

	before := scanCalls(t, c)
	require.NoError(t, st.DeleteSession("gone").Wait(ctx))
	assert.Equal(t, before, scanCalls(t, c), "deleting a session ran SCAN")

	snap, err := st.Restore(ctx)
	require.NoError(t, err)
	assert.Len(t, snap.Sessions, 200)
	assert.Len(t, snap.Queued, 200)
	assert.Len(t, snap.Retained, 200)
	for _, s := range snap.Sessions {
		assert.NotEqual(t, "gone", s.ClientID)
	}
	require.NoError(t, st.Close(ctx))
}

// TestOpenMovesOldClientRecords: client records written one string each
// (the layout of earlier builds) are moved into their client's hash by
// Open, so a session delete removes them; other strings stay as they are.
func TestOpenMovesOldClientRecords(t *testing.T) {
	addr := redistest.Start(t)
	prefix := uniquePrefix()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx := t.Context()
	old := map[string]string{
		"c\x00\x01as":         "session",
		"c\x00\x01aq\x00\x01": "queued",
		"c\x00\x02bbs":        "other session",
		"rtopic":              "retained",
		"c\x00\x05ab":         "cut short: no group",
	}
	for k, v := range old {
		require.NoError(t, c.Set(ctx, prefix+hex.EncodeToString([]byte(k)), v, 0).Err())
	}
	b := open(t, addr, prefix)
	got := map[string]string{}
	require.NoError(t, b.Scan(ctx, nil, func(k, v []byte) error { got[string(k)] = string(v); return nil }))
	assert.Equal(t, old, got, "every record is still there")
	left, err := c.Keys(ctx, escapeForKeys(prefix)+"63*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{prefix + hex.EncodeToString([]byte("c\x00\x05ab"))}, left, "client records left as strings")

	st := storage.NewStore(b, storage.Options{Mode: storage.ModeSync, Logger: quiet})
	require.NoError(t, st.DeleteSession("a").Wait(ctx))
	require.NoError(t, st.Close(ctx))
	b = open(t, addr, prefix)
	got = map[string]string{}
	require.NoError(t, b.Scan(ctx, nil, func(k, v []byte) error { got[string(k)] = string(v); return nil }))
	delete(old, "c\x00\x01as")
	delete(old, "c\x00\x01aq\x00\x01")
	assert.Equal(t, old, got, "the deleted session's records are gone for good")
	for k := range old {
		_, _ = c.Del(ctx, prefix+hex.EncodeToString([]byte(k))).Result()
	}
	_, _ = c.Del(ctx, prefix+"g:"+hex.EncodeToString([]byte("c\x00\x02bb"))).Result()
}

// escapeForKeys escapes the glob characters of a KEYS pattern.
func escapeForKeys(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
