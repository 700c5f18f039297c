// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command persistence keeps sessions and retained messages in Badger
// under ./wrenmq-data: stop it, start it again, and persistent sessions,
// their queued messages and retained messages are still there.
//
//	go run ./examples/persistence
package main

import (
	"log/slog"
	"os"
	"os/signal"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
)

func main() {
	backend, err := badgerstore.Open(badgerstore.Options{Dir: "wrenmq-data"})
	if err != nil {
		slog.Error("open badger", "err", err)
		os.Exit(1)
	}
	// ModeSync (the default) acknowledges QoS 1/2 publishes once durable.
	store := storage.NewStore(backend, storage.Options{Mode: storage.ModeSync})

	srv := broker.New(broker.Options{Storage: store}) // Serve restores, Close flushes and closes
	_ = srv.AddHook(broker.AllowAll{})
	l, err := broker.ListenTCP("tcp", "127.0.0.1:1883")
	if err != nil {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	_ = srv.AddListener(l)
	if err := srv.Serve(); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	if err := srv.Close(); err != nil {
		slog.Error("close", "err", err)
	}
}
