// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package redisstore is a storage.Backend on Redis
// (github.com/redis/go-redis/v9).
//
// Each record is one Redis string under Options.Prefix followed by the
// hex encoding of the binary record key, so keys never contain glob
// characters, braces (cluster hash tags) or bytes a terminal would
// mangle, and a key prefix stays a prefix after encoding. A batch is one
// MULTI/EXEC transaction sent as a pipeline: atomic and one round trip.
// Scans use SCAN with MATCH, never KEYS, and read values with MGET one page
// at a time, so a scan is not a snapshot across pages.
//
// Durability is Redis's: a write acknowledged by EXEC survives a Redis
// restart only with AOF (appendonly yes; appendfsync always for the
// strongest guarantee) or RDB snapshots configured on the server.
package redisstore

import (
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
	return b, nil
}

func (b *Backend) key(k []byte) string {
	var sb strings.Builder
	sb.Grow(len(b.prefix) + 2*len(k))
	sb.WriteString(b.prefix)
	sb.WriteString(hex.EncodeToString(k))
	return sb.String()
}

// Apply implements storage.Backend with one MULTI/EXEC pipeline.
func (b *Backend) Apply(ctx context.Context, ops []storage.Op) error {
	if len(ops) == 0 {
		return nil
	}
	_, err := b.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, op := range ops {
			if op.Delete {
				p.Del(ctx, b.key(op.Key))
			} else {
				p.Set(ctx, b.key(op.Key), op.Value, 0)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis store: apply batch of %d ops: %w", len(ops), err)
	}
	return nil
}

// Scan implements storage.Backend with SCAN MATCH and MGET, page by page,
// in no particular order; keys SCAN returns twice are reported once.
func (b *Backend) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error {
	match := b.match + hex.EncodeToString(prefix) + "*"
	seen := make(map[string]struct{})
	var cursor uint64
	for {
		keys, next, err := b.c.Scan(ctx, cursor, match, scanCount).Result()
		if err != nil {
			return fmt.Errorf("redis store: scan %q: %w", prefix, err)
		}
		fresh := keys[:0]
		for _, k := range keys {
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				fresh = append(fresh, k)
			}
		}
		if len(fresh) > 0 {
			vals, err := b.c.MGet(ctx, fresh...).Result()
			if err != nil {
				return fmt.Errorf("redis store: scan %q: read %d values: %w", prefix, len(fresh), err)
			}
			for i, v := range vals {
				s, ok := v.(string)
				if !ok {
					continue // deleted since SCAN returned it
				}
				key, err := hex.DecodeString(fresh[i][len(b.prefix):])
				if err != nil {
					return fmt.Errorf("redis store: scan %q: key %q is not ours: %w", prefix, fresh[i], err)
				}
				if err := fn(key, []byte(s)); err != nil {
					return fmt.Errorf("redis store: scan %q: %w", prefix, err)
				}
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
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
