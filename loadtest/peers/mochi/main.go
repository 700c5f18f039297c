// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command mochi runs mochi-mqtt (github.com/mochi-mqtt/server/v2) with its
// default options, an allow-all authentication hook and one TCP listener,
// so that loadtest's compare command can measure it as a separate process
// beside wrenmq and Mosquitto. It lives in its own module so that mochi's
// dependencies stay out of the loadtest module.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

func main() {
	addr := flag.String("tcp", "127.0.0.1:1883", "TCP listen `address`")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "mochi:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	srv := mqtt.New(nil) // nil: mochi's default options and capabilities
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return fmt.Errorf("add allow hook: %w", err)
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})); err != nil {
		return fmt.Errorf("add TCP listener %s: %w", addr, err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if err := srv.Serve(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	<-sig
	return srv.Close()
}
