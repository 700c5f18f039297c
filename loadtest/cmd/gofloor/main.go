// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command gofloor is the floor of connection cost for a Go server with a
// goroutine per connection, for comparison with wrenmq's connects/s: it
// accepts with the standard library's net package, reads one packet (the
// CONNECT, not decoded), answers a CONNACK (v5 or v3, by the protocol
// level byte) and then reads until the client closes. It is not a broker:
// only the idle scenario of mqttload can run against it.
//
//	go run ./cmd/gofloor -addr 127.0.0.1:1899 &
//	go run ./cmd/mqttload -addr 127.0.0.1:1899 -scenario idle -pid $(pgrep gofloor)
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/wrenmq/wrenmq/codec"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:1899", "TCP listen `address`")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gofloor:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "gofloor: listening on", ln.Addr())
	serve(ln)
}

// serve accepts connections until ln is closed.
func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go handle(c)
	}
}

var (
	connackV5 = []byte{0x20, 3, 0, 0, 0} // session present 0, success, no properties
	connackV3 = []byte{0x20, 2, 0, 0}
)

// handle answers the first packet with a CONNACK and then discards input
// until the client closes.
func handle(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 512)
	n, err := readPacket(c, buf)
	if err != nil {
		return
	}
	ack := connackV3
	// CONNECT: fixed header, then protocol name "MQTT" (2+4 bytes) and
	// the protocol level.
	if _, hl, err := codec.ParseHeader(buf[:n]); err == nil && n > hl+6 && buf[hl+6] == 5 {
		ack = connackV5
	}
	if _, err := c.Write(ack); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, c)
}

// readPacket reads one whole packet into buf (up to its size) and returns
// its length.
func readPacket(c net.Conn, buf []byte) (int, error) {
	n := 0
	for {
		m, err := c.Read(buf[n:])
		n += m
		if h, hl, err := codec.ParseHeader(buf[:n]); err == nil {
			if n >= hl+h.RemainingLength || n == len(buf) {
				return n, nil
			}
		}
		if err != nil {
			return n, err
		}
		if n == len(buf) {
			return n, bufio.ErrBufferFull
		}
	}
}
