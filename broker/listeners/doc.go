// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package listeners provides the broker's network endpoints beyond plain
// TCP: MQTT over WebSocket and secure WebSocket ([ListenWebSocket]), TLS
// ([ListenTLS]) and Unix sockets ([ListenUnix]) as broker.Listener values,
// and an HTTP handler for the $SYS statistics and health checks
// ([NewHTTPHandler], [ListenHTTP]), which is not an MQTT listener.
// [WithLimits] bounds connections per IP and per second on any listener;
// [WithProxyProtocol] reads PROXY protocol headers (v1 and v2) from a load
// balancer in front of a TCP, TLS or WebSocket listener.
//
// Concurrency: a WebSocket connection has one reader (the broker's read
// loop) and serialises its writers with wsConn.wmu; no lock is held across
// a call into the broker.
package listeners
