// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command embedding runs wrenmq inside a Go program: one TCP listener,
// every client allowed, graceful shutdown on Ctrl-C.
//
//	go run ./examples/embedding
package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wrenmq/wrenmq/broker"
)

func main() {
	srv := broker.New(broker.Options{}) // zero options: safe defaults
	// A server without an authentication hook refuses everyone; AllowAll
	// is for development on a trusted network.
	if err := srv.AddHook(broker.AllowAll{}); err != nil {
		fail(err)
	}
	l, err := broker.ListenTCP("tcp", "127.0.0.1:1883")
	if err != nil {
		fail(err)
	}
	if err := srv.AddListener(l); err != nil {
		fail(err)
	}
	if err := srv.Serve(); err != nil { // returns at once
		fail(err)
	}
	slog.Info("serving MQTT", "addr", l.Addr().String())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := srv.Close(); err != nil { // DISCONNECT 0x8B to v5 clients, flush, close
		fail(err)
	}
}

func fail(err error) {
	slog.Error("embedding example", "err", err)
	os.Exit(1)
}
