// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package badgerstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker/storage"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
)

// TestBadgerPanicBecomesError: once Badger fails to open a memtable for
// lack of file descriptors, its next scan panics (seen in a chaos run of
// the binary at the open-file limit, which crashed the broker). The
// backend returns the panic as an error, and Ping reports it from then on.
// Linux only: it lowers this process's open-file limit for a moment.
func TestBadgerPanicBecomesError(t *testing.T) {
	b, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer b.Close()
	ctx := context.Background()
	require.NoError(t, b.Ping(ctx))

	var saved syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved))
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	low := saved
	low.Cur = uint64(len(fds) + 2)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	var fill []*os.File // take the last descriptors too
	restore := func() { // also when a panic unwinds the test
		for _, f := range fill {
			_ = f.Close()
		}
		fill = nil
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved)
	}
	defer restore()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		fill = append(fill, f)
	}
	var applyErr error
	value := make([]byte, 64<<10)
	for i := 0; applyErr == nil && i < 10000; i++ { // until a new memtable is needed
		applyErr = b.Apply(ctx, []storage.Op{{Key: fmt.Appendf(nil, "k%06d", i), Value: value}})
	}
	scanErr := b.Scan(ctx, []byte("k"), func(_, _ []byte) error { return nil })
	pingErr := b.Ping(ctx)
	restore()

	require.ErrorContains(t, applyErr, "too many open files")
	require.ErrorContains(t, scanErr, "Badger failed", "the scan's panic is an error")
	require.ErrorContains(t, pingErr, "Badger failed", "Ping reports the broken store")
}
