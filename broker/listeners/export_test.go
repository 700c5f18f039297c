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
