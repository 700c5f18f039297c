// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"net"

	"github.com/gorilla/websocket"
)

// NewClientConn adapts the client side of a WebSocket connection to a
// net.Conn, as the listener does for the server side.
func NewClientConn(ws *websocket.Conn) net.Conn { return newWSConn(ws, nil) }

// PendingHeaders is how many connections of a WithProxyProtocol listener
// wait for their header.
func PendingHeaders(ln net.Listener) int {
	l := ln.(*proxyListener)
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// ReadingHeader reports whether a PROXY protocol connection is reading its
// header now.
func ReadingHeader(nc net.Conn) bool {
	c := nc.(*proxyConn)
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.headerBy.IsZero()
}
