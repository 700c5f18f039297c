// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/wrenmq/wrenmq/broker/storage"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
	redisstore "github.com/wrenmq/wrenmq/storage-redis"
)

// openStorage opens the configured backend; nil for memory (nothing
// persists). The broker restores from the store in Serve and closes it in
// Close.
func openStorage(c StorageConfig, log *slog.Logger) (*storage.Store, error) {
	opts := storage.Options{Logger: log}
	if c.Mode == "async" {
		opts.Mode = storage.ModeAsync
	}
	switch c.Backend {
	case "badger":
		b, err := badgerstore.Open(badgerstore.Options{Dir: c.Badger.Dir, SyncWrites: c.Badger.SyncWrites, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("storage badger %s: %w", c.Badger.Dir, err)
		}
		return storage.NewStore(b, opts), nil
	case "redis":
		r := c.Redis
		ro := redisstore.Options{Addr: r.Addr, Username: r.Username, Password: r.Password, DB: r.DB, Prefix: r.Prefix, Logger: log}
		if r.TLS {
			ro.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		b, err := redisstore.Open(ro)
		if err != nil {
			return nil, fmt.Errorf("storage redis %s: %w", r.Addr, err)
		}
		return storage.NewStore(b, opts), nil
	}
	return nil, nil
}
