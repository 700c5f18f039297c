// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command mqttload runs one load-test scenario against a running MQTT
// broker and prints what it measured: throughput, latency percentiles,
// lost and duplicated messages and, given the broker's process id, its CPU
// time and memory.
//
//	mqttload -addr 127.0.0.1:1883 -scenario pairs -n 10 -m 10000 -qos 1
//	mqttload -scenario idle -conns 10000 -pid $(pidof mosquitto)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/loadtest/internal/procfs"
	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		cfg     scenario.Config
		kind    = flag.String("scenario", "pairs", "scenario: pairs, fan-in, fan-out, shared, retained or idle")
		version = flag.Int("v", 5, "protocol version: 4 (v3.1.1) or 5")
		qos     = flag.Int("qos", 0, "QoS of publications and subscriptions")
		n       = flag.Int("n", 10, "pairs: publisher/subscriber pairs")
		pubs    = flag.Int("pubs", 10, "fan-in, shared: publishers")
		subs    = flag.Int("subs", 10, "fan-out, shared: subscribers")
		asJSON  = flag.Bool("json", false, "print the result as JSON")
	)
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:1883", "broker TCP `address`")
	flag.IntVar(&cfg.Messages, "m", 10000, "messages per publisher (retained: retained set size)")
	flag.IntVar(&cfg.Connections, "conns", 10000, "idle: connections")
	flag.IntVar(&cfg.PayloadSize, "size", 64, "payload size in bytes (at least 16)")
	flag.IntVar(&cfg.Inflight, "inflight", 100, "QoS 1/2 window per publisher")
	flag.IntVar(&cfg.Batch, "batch", 16<<10, "bytes a publisher encodes before one write (1: write every message)")
	flag.Float64Var(&cfg.Rate, "rate", 0, "messages per second per publisher (0: unlimited)")
	flag.DurationVar(&cfg.Quiet, "quiet", 5*time.Second, "end the run after this long without progress; what is missing then is lost")
	flag.DurationVar(&cfg.Settle, "settle", 2*time.Second, "idle: wait before reading broker memory")
	flag.IntVar(&cfg.PID, "pid", 0, "broker process id, for CPU and memory from /proc (0: none)")
	flag.IntVar(&cfg.Dialers, "dialers", 32, "connections opened in parallel")
	flag.Parse()

	cfg.Kind = scenario.Kind(*kind)
	cfg.Version = codec.Version(*version)
	cfg.QoS = codec.QoS(*qos)
	switch cfg.Kind {
	case scenario.Pairs:
		cfg.Publishers = *n
	case scenario.FanIn:
		cfg.Publishers = *pubs
	case scenario.FanOut:
		cfg.Subscribers = *subs
	case scenario.Shared:
		cfg.Publishers, cfg.Subscribers = *pubs, *subs
	}
	if cfg.Kind == scenario.Idle {
		if _, err := procfs.RaiseNoFile(); err != nil {
			fmt.Fprintln(os.Stderr, "mqttload: warning:", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := scenario.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mqttload:", err)
		if res == nil {
			return 1
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		fmt.Print(res)
	}
	if err != nil || res.Lost > 0 || len(res.Errors) > 0 {
		return 2
	}
	return 0
}
