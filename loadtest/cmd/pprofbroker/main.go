// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command pprofbroker runs an in-process wrenmq broker (broker.New with
// default options, AllowAll and one TCP listener) beside net/http/pprof, so
// that the broker can be profiled while mqttload, in another process,
// drives it:
//
//	go run ./cmd/pprofbroker -tcp 127.0.0.1:1883 -pprof 127.0.0.1:6060 &
//	go tool pprof -top 'http://127.0.0.1:6060/debug/pprof/profile?seconds=10' &
//	go run ./cmd/mqttload -addr 127.0.0.1:1883 -scenario pairs -n 100 -pid $(pgrep pprofbroker)
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // the point of this command
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/wrenmq/wrenmq/broker"
)

func main() {
	tcp := flag.String("tcp", "127.0.0.1:1883", "MQTT TCP listen `address`")
	pp := flag.String("pprof", "127.0.0.1:6060", "net/http/pprof listen `address`")
	mutex := flag.Int("mutex", 0, "sample 1 in `n` mutex contention events for /debug/pprof/mutex (0: off)")
	block := flag.Int("block", 0, "sample blocking events lasting `ns` nanoseconds or more for /debug/pprof/block (0: off)")
	flag.Parse()
	runtime.SetMutexProfileFraction(*mutex)
	runtime.SetBlockProfileRate(*block)
	if err := run(*tcp, *pp); err != nil {
		fmt.Fprintln(os.Stderr, "pprofbroker:", err)
		os.Exit(1)
	}
}

func run(tcp, pp string) error {
	srv := broker.New(broker.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err := srv.AddHook(broker.AllowAll{}); err != nil {
		return err
	}
	ln, err := broker.ListenTCP("tcp", tcp)
	if err != nil {
		return err
	}
	if err := srv.AddListener(ln); err != nil {
		return err
	}
	if err := srv.Serve(); err != nil {
		return err
	}
	defer srv.Close()
	go func() {
		if err := http.ListenAndServe(pp, nil); err != nil {
			fmt.Fprintln(os.Stderr, "pprofbroker: pprof:", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "pprofbroker: MQTT on %s, pprof on http://%s/debug/pprof/\n", ln.Addr(), pp)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}
