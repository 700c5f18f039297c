// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package badgerstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
)

var quiet = slog.New(slog.DiscardHandler)

func open(t *testing.T, dir string) *badgerstore.Backend {
	t.Helper()
	b, err := badgerstore.Open(badgerstore.Options{Dir: dir, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// dirs remembers the data directory of each backend for Reopen.
var dirs = map[storage.Backend]string{}

func TestSuite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		dir := t.TempDir()
		b := open(t, dir)
		dirs[b] = dir
		return b
	}, storagetest.RunOptions{
		SnapshotScans: true,
		Reopen: func(t *testing.T, old storage.Backend) storage.Backend {
			dir := dirs[old]
			b := open(t, dir)
			dirs[b] = dir
			return b
		},
	})
}

func TestOpenErrors(t *testing.T) {
	_, err := badgerstore.Open(badgerstore.Options{})
	require.ErrorContains(t, err, "Dir is empty")
	dir := t.TempDir()
	b := open(t, dir)
	_, err = badgerstore.Open(badgerstore.Options{Dir: dir, Logger: quiet})
	require.ErrorContains(t, err, "badger store: open", "a directory is locked by one process")
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close is idempotent")
	require.ErrorIs(t, b.Ping(context.Background()), storage.ErrClosed)
}

// dirSize sums the sizes of the files in dir. Badger removes files while
// it runs (flushed memtables, collected value logs): one gone between
// the listing and its lstat counts for nothing.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		switch {
		case err == nil:
			n += info.Size()
		case errors.Is(err, fs.ErrNotExist):
			err = nil
		}
		return err
	}))
	return n
}

// TestChurnDiskBounded creates and deletes many sessions with queued
// payloads and checks that garbage collection keeps the directory small
// although many times its size was written.
func TestChurnDiskBounded(t *testing.T) {
	dir := t.TempDir()
	b, err := badgerstore.Open(badgerstore.Options{
		Dir: dir, Logger: quiet, GCInterval: 10 * time.Millisecond, // and by hand below
		ValueLogFileSize: 4 << 20, MemTableSize: 4 << 20,
	})
	require.NoError(t, err)
	st := storage.NewStore(b, storage.Options{Mode: storage.ModeAsync})
	ctx := t.Context()

	payload := make([]byte, 8<<10)
	const rounds, sessions, perSession = 48, 50, 10
	var written int64
	var sizes []int64
	for r := range rounds {
		for s := range sessions {
			id := fmt.Sprintf("round-%d-client-%d", r, s)
			st.PutSession(&storage.Session{ClientID: id, ProtocolVersion: 5, ExpiryInterval: 60})
			st.PutSubscription(&storage.Subscription{ClientID: id, Filter: "a/#", QoS: 1})
			for i := range perSession {
				m := storage.Message{}
				m.Publish.Topic, m.Publish.QoS, m.Publish.PacketID, m.Publish.Payload = "a/b", 1, 1, payload
				st.PutQueued(&storage.Queued{ClientID: id, Seq: uint64(i), Message: m})
				written += int64(len(payload))
			}
		}
		require.NoError(t, st.Flush(ctx))
		// The sessions of the previous round expire.
		if r > 0 {
			for s := range sessions {
				st.DeleteSession(fmt.Sprintf("round-%d-client-%d", r-1, s))
			}
			require.NoError(t, st.Flush(ctx))
		}
		require.NoError(t, b.RunGC())
		sizes = append(sizes, dirSize(t, dir))
	}
	live := int64(sessions * perSession * len(payload))
	final := sizes[len(sizes)-1]
	t.Logf("wrote %d MiB, live %d MiB, directory sizes (MiB) per round: %v", written>>20, live>>20, mib(sizes))
	require.NoError(t, st.Close(ctx))
	require.Less(t, final, written/4, "disk use grew with the data written, not the data kept")
	require.Less(t, slices.Max(sizes), int64(64<<20), "disk use stays bounded at every round")
}

func mib(s []int64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = v >> 20
	}
	return out
}
