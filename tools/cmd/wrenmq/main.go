// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command wrenmq is the standalone wrenmq MQTT broker. With no arguments it
// serves MQTT on 127.0.0.1:1883 (TCP) and 127.0.0.1:1882 (WebSocket),
// in memory, allowing anonymous clients because it listens on loopback
// only. See tools/README.md and wrenmq.example.yaml for the configuration.
package main

import (
	"os"

	"github.com/wrenmq/wrenmq/tools/internal/server"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(server.Main(os.Args[1:], os.Stdout, os.Stderr, version))
}
