// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command epfloor is the floor of connection cost for a Go server without
// a goroutine per connection: one thread runs an epoll loop over raw
// sockets (accept4, read, write, close), answers each CONNECT with a fixed
// CONNACK (v5 or v3, by the protocol level byte) and then reads until the
// client closes. Set beside cmd/gofloor (the standard library's net
// package, a goroutine per connection), it measures what the network layer
// costs in connects/s; it is not a broker, and runs on Linux only:
//
//	go run ./cmd/epfloor -addr 127.0.0.1:1896 &
//	go run ./cmd/mqttload -addr 127.0.0.1:1896 -scenario idle -pid $(pgrep epfloor)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wrenmq/wrenmq/codec"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:1896", "TCP listen `address` (IPv4)")
	flag.Parse()
	r, err := listen(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "epfloor:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "epfloor: listening on", r.addr())
	if err := r.run(); err != nil {
		fmt.Fprintln(os.Stderr, "epfloor:", err)
		os.Exit(1)
	}
}

var (
	connackV5 = []byte{0x20, 3, 0, 0, 0} // session present 0, success, no properties
	connackV3 = []byte{0x20, 2, 0, 0}
)

// connack returns the CONNACK for a whole CONNECT packet in b, or nil while
// b holds less than the packet.
func connack(b []byte) []byte {
	h, hl, err := codec.ParseHeader(b)
	if err != nil || len(b) < hl+h.RemainingLength {
		return nil
	}
	// The protocol name "MQTT" (2+4 bytes) comes before the level.
	if len(b) > hl+6 && b[hl+6] == 5 {
		return connackV5
	}
	return connackV3
}
