// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command inline-client shows the server's own client: it subscribes to
// "sensors/#" without a network connection and publishes a reading every
// second that network clients (mosquitto_sub -t 'sensors/#') receive.
//
//	go run ./examples/inline-client
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

func main() {
	srv := broker.New(broker.Options{})
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
	defer srv.Close()

	// The handler runs on the publisher's goroutine: keep it short.
	err = srv.Subscribe("sensors/#", 1, func(_ broker.InlineSubscription, pk *codec.Publish) {
		slog.Info("inline subscriber", "topic", pk.Topic, "payload", string(pk.Payload))
	})
	if err != nil {
		slog.Error("subscribe", "err", err)
		os.Exit(1)
	}

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	for n := 0; ; n++ {
		select {
		case <-tick.C:
			payload := fmt.Sprintf("%.1f", 20+float64(n%10)/10)
			if err := srv.Publish("sensors/kitchen/temperature", []byte(payload), true, 1); err != nil {
				slog.Error("publish", "err", err)
			}
		case <-sig:
			return
		}
	}
}
