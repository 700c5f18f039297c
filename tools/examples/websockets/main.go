// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command websockets serves MQTT over WebSocket for browser clients on
// ws://127.0.0.1:8083/mqtt, accepting pages from http://localhost:3000,
// and the HTTP stats and health endpoints on 127.0.0.1:8080.
//
//	go run ./examples/websockets
//	curl http://127.0.0.1:8080/stats
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
)

func main() {
	srv := broker.New(broker.Options{})
	_ = srv.AddHook(broker.AllowAll{})
	ws, err := listeners.ListenWebSocket("ws", "127.0.0.1:8083", listeners.WebSocketOptions{
		Path:           "/mqtt",
		AllowedOrigins: []string{"http://localhost:3000"},
		MaxMessageSize: int64(srv.Options().Capabilities.MaximumPacketSize),
	})
	if err != nil {
		fail("listen websocket", err)
	}
	_ = srv.AddListener(ws)

	hs, err := listeners.ListenHTTP("127.0.0.1:8080", listeners.NewHTTPHandler(srv, listeners.HTTPOptions{}), nil)
	if err != nil {
		fail("listen http", err)
	}
	go func() {
		if err := hs.Serve(); err != nil {
			slog.Error("http", "err", err)
		}
	}()
	if err := srv.Serve(); err != nil {
		fail("serve", err)
	}
	slog.Info("ready", "mqtt", "ws://"+ws.Addr().String()+ws.Path(), "stats", "http://"+hs.Addr().String()+"/stats")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Close(ctx)
	_ = srv.Close()
}

func fail(what string, err error) {
	slog.Error(what, "err", err)
	os.Exit(1)
}
