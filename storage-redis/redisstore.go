// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package redisstore is a storage.Backend on Redis
// (github.com/redis/go-redis/v9).
//
// Keys are Options.Prefix followed by the hex encoding of the binary
// record key, so they never contain glob characters, braces (cluster hash
// tags) or bytes a terminal would mangle. The records of one client (the
// keys sharing a group prefix, see storage.GroupLen) live together in one
// hash, named Options.Prefix + "g:" + the hex encoding of the group prefix,
// whose fields are the rest of each key as raw bytes; every other record
// (retained messages, counters) is one string. A scan of a group (the
// store deletes a session that way) is then one HGETALL of its hash
// whatever the size of the database; other scans, the full one of a
// restore, use SCAN with MATCH (never KEYS) and read each page with MGET
// and HGETALL, so they are not a snapshot across pages. A batch is one
// MULTI/EXEC transaction sent as a pipeline: atomic and one round trip.
// Client records that earlier builds kept as one string each are moved
// into their hashes by Open.
//
// Durability is Redis's: a write acknowledged by EXEC survives a Redis
// restart only with AOF (appendonly yes; appendfsync always for the
// strongest guarantee) or RDB snapshots configured on the server.
package redisstore

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wrenmq/wrenmq/broker/storage"
)

// Options configure [Open].
type Options struct {
	// Addr is the server's host:port. Required.
	Addr string
	// Username and Password authenticate (ACL user, or Password alone for
	// requirepass).
	Username string
	Password string
	// DB is the database number.
	DB int
	// Prefix starts every key (default "wrenmq:"). Brokers sharing a
	// server need distinct prefixes.
	Prefix string
	// TLS enables TLS with this configuration when non-nil.
	TLS *tls.Config
	// Logger receives connection problems; default slog.Default().
	Logger *slog.Logger
}

// scanCount is the COUNT hint of SCAN and so the size of one MGET.
const scanCount = 512

// Backend is a storage.Backend on Redis. Create it with [Open]; it is safe
// for concurrent use.
type Backend struct {
	c      *redis.Client
	prefix string
	match  string // prefix with glob characters escaped
	log    *slog.Logger
}

var _ storage.Backend = (*Backend)(nil)

// Open connects to Redis and checks the connection with PING.
func Open(opts Options) (*Backend, error) {
	if opts.Addr == "" {
		return nil, errors.New("redis store: open: Options.Addr is empty")
	}
	if opts.Prefix == "" {
		opts.Prefix = "wrenmq:"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := redis.NewClient(&redis.Options{
		Addr:         opts.Addr,
		Username:     opts.Username,
		Password:     opts.Password,
		DB:           opts.DB,
		TLSConfig:    opts.TLS,
		DialTimeout:  5 * time.Second,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
		// The Store retries whole batches with its own backoff.
		MaxRetries: 1,
	})
	b := &Backend{c: c, prefix: opts.Prefix, match: escapeGlob(opts.Prefix), log: opts.Logger}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis store: open %s: ping: %w", opts.Addr, err)
	}
	if err := b.migrate(context.Background()); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis store: open %s: %w", opts.Addr, err)
	}
	return b, nil
}

// migrate moves client records that earlier builds kept as one string
// each into their group's hash, so that deleting a session finds them.
// It runs once per Open and costs one SCAN of the keyspace when there is
// nothing to move.
func (b *Backend) migrate(ctx context.Context) error {
	match := b.match + hex.EncodeToString([]byte{clientNamespace}) + "*"
	moved := 0
	var cursor uint64
	for {
		names, next, err := b.c.Scan(ctx, cursor, match, scanCount).Result()
		if err != nil {
			return fmt.Errorf("migrate client records: scan: %w", err)
		}
		if len(names) > 0 {
			n, err := b.migratePage(ctx, names)
			if err != nil {
				return fmt.Errorf("migrate client records: %w", err)
			}
			moved += n
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	if moved > 0 {
		b.log.Info("redis store: moved client records into per-client hashes", "records", moved)
	}
	return nil
}

// migratePage moves the string records names (one SCAN page) into their
// groups' hashes in one transaction and returns how many it moved.
func (b *Backend) migratePage(ctx context.Context, names []string) (int, error) {
	vals, err := b.c.MGet(ctx, names...).Result()
	if err != nil {
		return 0, fmt.Errorf("read %d records: %w", len(names), err)
	}
	var ops []storage.Op
	var old []string
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // gone since SCAN returned it
		}
		key, err := decode(names[i][len(b.prefix):])
		if err != nil || storage.GroupLen(key) == 0 {
			continue // not a record of ours, or not a client's
		}
		ops = append(ops, storage.Op{Key: key, Value: []byte(s)})
		old = append(old, names[i])
	}
	if len(ops) == 0 {
		return 0, nil
	}
	_, err = b.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, op := range ops {
			name, field := b.key(op.Key)
			p.HSet(ctx, name, string(field), op.Value)
		}
		p.Del(ctx, old...)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("move %d records: %w", len(ops), err)
	}
	return len(ops), nil
}

// groupTag starts the name of a group's hash after the prefix; hex
// digits never do.
const groupTag = "g:"

// clientNamespace is the first byte of the client records that earlier
// builds kept as strings (see migrate).
const clientNamespace = 'c'

// key returns the Redis key holding k: the string itself, or the hash of
// k's group with the field that holds k.
func (b *Backend) key(k []byte) (name string, field []byte) {
	n := storage.GroupLen(k)
	var sb strings.Builder
	sb.Grow(len(b.prefix) + len(groupTag) + 2*len(k))
	sb.WriteString(b.prefix)
	if n > 0 {
		sb.WriteString(groupTag)
		k, field = k[:n], k[n:]
	}
	sb.WriteString(hex.EncodeToString(k))
	return sb.String(), field
}

// Apply implements storage.Backend with one MULTI/EXEC pipeline.
func (b *Backend) Apply(ctx context.Context, ops []storage.Op) error {
	if len(ops) == 0 {
		return nil
	}
	_, err := b.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, op := range ops {
			name, field := b.key(op.Key)
			switch {
			case field == nil && op.Delete:
				p.Del(ctx, name)
			case field == nil:
				p.Set(ctx, name, op.Value, 0)
			case op.Delete:
				p.HDel(ctx, name, string(field))
			default:
				p.HSet(ctx, name, string(field), op.Value)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis store: apply batch of %d ops: %w", len(ops), err)
	}
	return nil
}

// Scan implements storage.Backend, in no particular order. A prefix
// within one group reads that group's hash alone; any other walks the
// keyspace with SCAN page by page, reporting keys SCAN returns twice once.
func (b *Backend) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error {
	if n := storage.GroupLen(prefix); n > 0 {
		name, _ := b.key(prefix)
		if err := b.scanGroups(ctx, prefix, []string{name}, fn); err != nil {
			return fmt.Errorf("redis store: scan %q: %w", prefix, err)
		}
		return nil
	}
	// A prefix shorter than a group's can match groups (their names
	// differ) only when it is empty or starts a client namespace.
	match := b.match + "*"
	if !storage.MayMatchGroups(prefix) {
		match = b.match + hex.EncodeToString(prefix) + "*"
	}
	seen := make(map[string]struct{})
	var cursor uint64
	for {
		keys, next, err := b.c.Scan(ctx, cursor, match, scanCount).Result()
		if err != nil {
			return fmt.Errorf("redis store: scan %q: %w", prefix, err)
		}
		var strs, groups []string
		for _, k := range keys {
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			if strings.HasPrefix(k[len(b.prefix):], groupTag) {
				groups = append(groups, k)
			} else {
				strs = append(strs, k)
			}
		}
		if err := b.scanStrings(ctx, prefix, strs, fn); err != nil {
			return fmt.Errorf("redis store: scan %q: %w", prefix, err)
		}
		if err := b.scanGroups(ctx, prefix, groups, fn); err != nil {
			return fmt.Errorf("redis store: scan %q: %w", prefix, err)
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// decode returns the record key a Redis key name (after the prefix and
// any group tag) encodes.
func decode(name string) ([]byte, error) {
	k, err := hex.DecodeString(name)
	if err != nil {
		return nil, fmt.Errorf("key %q is not ours: %w", name, err)
	}
	return k, nil
}

// scanStrings reads the string keys names with one MGET and reports those
// under prefix.
func (b *Backend) scanStrings(ctx context.Context, prefix []byte, names []string, fn func(key, value []byte) error) error {
	if len(names) == 0 {
		return nil
	}
	vals, err := b.c.MGet(ctx, names...).Result()
	if err != nil {
		return fmt.Errorf("read %d values: %w", len(names), err)
	}
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // deleted since SCAN returned it
		}
		key, err := decode(names[i][len(b.prefix):])
		if err != nil {
			return err
		}
		if bytes.HasPrefix(key, prefix) {
			if err := fn(key, []byte(s)); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanGroups reads the group hashes names with HGETALL in one pipeline
// and reports the records under prefix.
func (b *Backend) scanGroups(ctx context.Context, prefix []byte, names []string, fn func(key, value []byte) error) error {
	if len(names) == 0 {
		return nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(names))
	_, err := b.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, name := range names {
			cmds[i] = p.HGetAll(ctx, name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read %d groups: %w", len(names), err)
	}
	var key []byte
	for i, cmd := range cmds {
		group, err := decode(names[i][len(b.prefix)+len(groupTag):])
		if err != nil {
			return err
		}
		for field, v := range cmd.Val() {
			key = append(append(key[:0], group...), field...)
			if bytes.HasPrefix(key, prefix) {
				if err := fn(key, []byte(v)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Ping implements storage.Backend with PING.
func (b *Backend) Ping(ctx context.Context) error {
	if err := b.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis store: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (b *Backend) Close() error {
	if err := b.c.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("redis store: close: %w", err)
	}
	return nil
}

// escapeGlob escapes the characters SCAN's MATCH pattern gives a meaning.
func escapeGlob(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\', '^', '-':
			sb.WriteByte('\\')
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}
