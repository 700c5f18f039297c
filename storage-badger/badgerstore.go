// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package badgerstore is a storage.Backend on Badger
// (github.com/dgraph-io/badger/v4), an embedded key/value database kept in
// a data directory.
//
// Batches are applied in one transaction, so they are atomic and a scan
// sees a consistent snapshot; a batch larger than Badger's transaction
// limit is split into several transactions, in order. Value-log garbage
// collection runs on a schedule so that disk use stays bounded while
// sessions and messages come and go.
package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wrenmq/wrenmq/broker/storage"
)

// Options configure [Open]. Zero fields take the documented defaults.
type Options struct {
	// Dir is the data directory; it is created if missing. Required.
	Dir string
	// GCInterval is how often value-log garbage collection runs
	// (default 1m).
	GCInterval time.Duration
	// GCDiscardRatio is the fraction of a value-log file that must be
	// garbage before the file is rewritten (default 0.5).
	GCDiscardRatio float64
	// SyncWrites fsyncs every batch before Apply returns. Without it a
	// batch survives a process crash (it is in the OS page cache) but not
	// a power loss.
	SyncWrites bool
	// ValueLogFileSize is the size of one value-log file (default 64 MiB).
	ValueLogFileSize int64
	// MemTableSize is the size of one memtable (default 16 MiB); it also
	// bounds a transaction to about 15% of it.
	MemTableSize int64
	// ValueThreshold is the value size from which values are kept in the
	// value log rather than in the LSM tree (default 1 MiB, or less
	// with a small MemTableSize: smaller values are dropped by compaction as soon
	// as they are deleted, without waiting for value-log GC).
	ValueThreshold int64
	// BlockCacheSize is the block cache size (default 32 MiB).
	BlockCacheSize int64
	// Logger receives Badger's messages (its info messages at debug
	// level) and GC failures; default slog.Default().
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.GCInterval <= 0 {
		o.GCInterval = time.Minute
	}
	if o.GCDiscardRatio <= 0 || o.GCDiscardRatio >= 1 {
		o.GCDiscardRatio = 0.5
	}
	if o.ValueLogFileSize <= 0 {
		o.ValueLogFileSize = 64 << 20
	}
	if o.MemTableSize <= 0 {
		o.MemTableSize = 16 << 20
	}
	if o.ValueThreshold <= 0 {
		// Badger requires it below its batch size, 15% of a memtable.
		o.ValueThreshold = min(1<<20, o.MemTableSize*15/100/2)
	}
	if o.BlockCacheSize <= 0 {
		o.BlockCacheSize = 32 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Backend is a storage.Backend on a Badger database. Create it with
// [Open]; it is safe for concurrent use.
type Backend struct {
	db   *badger.DB
	opts Options
	log  *slog.Logger

	stopGC    chan struct{}
	gcDone    sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
	// broken is the first panic Badger raised, as an error; from then on
	// Ping reports it (see recovered).
	broken atomic.Pointer[error]
}

// recovered turns a panic inside Badger into the error *err: Badger panics
// (a nil memtable) once a write failed in a way it does not recover from,
// such as running out of file descriptors while opening a memtable, and
// the broker must keep serving and say so rather than crash. Ping then
// fails, so readiness reports the store as down until a restart.
func (b *Backend) recovered(op string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	*err = fmt.Errorf("badger store: %s: Badger failed (%v); the database needs wrenmq to restart (earlier errors in the log tell why, e.g. too many open files)", op, r)
	e := *err
	b.broken.CompareAndSwap(nil, &e)
}

var _ storage.Backend = (*Backend)(nil)

// Open opens (or creates) the database in opts.Dir and starts its
// value-log garbage collection.
func Open(opts Options) (*Backend, error) {
	if opts.Dir == "" {
		return nil, errors.New("badger store: open: Options.Dir is empty")
	}
	opts.setDefaults()
	bo := badger.DefaultOptions(opts.Dir).
		WithLogger(slogAdapter{opts.Logger.With("component", "badger")}).
		WithSyncWrites(opts.SyncWrites).
		WithValueLogFileSize(opts.ValueLogFileSize).
		WithMemTableSize(opts.MemTableSize).
		WithValueThreshold(opts.ValueThreshold).
		WithBlockCacheSize(opts.BlockCacheSize).
		WithIndexCacheSize(16 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(8).
		WithNumCompactors(2).
		WithNumVersionsToKeep(1).
		WithCompactL0OnClose(true).
		WithMetricsEnabled(false)
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("badger store: open %s: %w", opts.Dir, err)
	}
	b := &Backend{db: db, opts: opts, log: opts.Logger, stopGC: make(chan struct{})}
	b.gcDone.Add(1)
	go b.runGC()
	return b, nil
}

// Apply implements storage.Backend: the ops are written in one
// transaction, or in several consecutive ones when the batch exceeds
// Badger's transaction size.
func (b *Backend) Apply(ctx context.Context, ops []storage.Op) (err error) {
	defer b.recovered(fmt.Sprintf("apply batch of %d ops", len(ops)), &err)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("badger store: apply batch of %d ops: %w", len(ops), err)
	}
	txn := b.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	for i := 0; i < len(ops); {
		op := &ops[i]
		var err error
		if op.Delete {
			err = txn.Delete(op.Key)
		} else {
			err = txn.Set(op.Key, op.Value)
		}
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return fmt.Errorf("badger store: apply batch of %d ops: commit part: %w", len(ops), err)
			}
			txn = b.db.NewTransaction(true)
			continue // retry op i in the new transaction
		}
		if err != nil {
			return fmt.Errorf("badger store: apply batch of %d ops: op %d: %w", len(ops), i, err)
		}
		i++
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("badger store: apply batch of %d ops: commit: %w", len(ops), err)
	}
	return nil
}

// Scan implements storage.Backend, in key order on a consistent snapshot.
func (b *Backend) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) (err error) {
	defer b.recovered(fmt.Sprintf("scan %q", prefix), &err)
	err = b.db.View(func(txn *badger.Txn) error {
		io := badger.DefaultIteratorOptions
		io.Prefix = prefix
		it := txn.NewIterator(io)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("badger store: scan %q: %w", prefix, err)
	}
	return nil
}

// Ping implements storage.Backend; it fails once the database is closed
// or Badger has panicked.
func (b *Backend) Ping(ctx context.Context) error {
	if b.db.IsClosed() {
		return fmt.Errorf("badger store: ping: %w", storage.ErrClosed)
	}
	if err := b.broken.Load(); err != nil {
		return *err
	}
	return ctx.Err()
}

// Close stops garbage collection and closes the database. Later calls
// return the first call's result.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		close(b.stopGC)
		b.gcDone.Wait()
		if err := b.db.Close(); err != nil {
			b.closeErr = fmt.Errorf("badger store: close %s: %w", b.opts.Dir, err)
		}
	})
	return b.closeErr
}

// RunGC runs value-log garbage collection until a pass finds nothing to
// rewrite. It is what the schedule runs; tests and tools may call it.
func (b *Backend) RunGC() (err error) {
	defer b.recovered("value log GC", &err)
	for {
		err := b.db.RunValueLogGC(b.opts.GCDiscardRatio)
		switch {
		case err == nil:
			continue // a file was rewritten; try the next one
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return nil
		default:
			return fmt.Errorf("badger store: value log GC: %w", err)
		}
	}
}

func (b *Backend) runGC() {
	defer b.gcDone.Done()
	t := time.NewTicker(b.opts.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-b.stopGC:
			return
		case <-t.C:
			if err := b.RunGC(); err != nil {
				b.log.Warn("badger store: value log GC failed", "dir", b.opts.Dir, "err", err)
			}
		}
	}
}

// slogAdapter is Badger's logger on slog; Badger is chatty at info level,
// so its info messages go to debug.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Errorf(f string, args ...any) { a.l.Error(trim(fmt.Sprintf(f, args...))) }
func (a slogAdapter) Warningf(f string, args ...any) {
	a.l.Warn(trim(fmt.Sprintf(f, args...)))
}
func (a slogAdapter) Infof(f string, args ...any)  { a.l.Debug(trim(fmt.Sprintf(f, args...))) }
func (a slogAdapter) Debugf(f string, args ...any) { a.l.Debug(trim(fmt.Sprintf(f, args...))) }

func trim(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}
