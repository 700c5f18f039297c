// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// closeGrace bounds the write of the WebSocket close frame on Close.
const closeGrace = time.Second

// wsConn adapts a WebSocket connection to a net.Conn carrying an MQTT byte
// stream: Read drains the current binary message and moves on to the next,
// so packets may span messages and share them; each Write is sent as one
// binary message.
type wsConn struct {
	ws  *websocket.Conn
	tls *tls.ConnectionState

	// r is the reader of the current message; only the broker's read loop
	// uses it.
	r io.Reader

	// wmu serialises writers: gorilla allows one concurrent writer.
	wmu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

func newWSConn(ws *websocket.Conn, st *tls.ConnectionState) *wsConn {
	return &wsConn{ws: ws, tls: st}
}

// errTextMessage is returned for a text message; [MQTT-6.0.0-1] requires
// the connection be closed.
var errTextMessage = errors.New("websocket: received a text message; MQTT travels in binary messages only")

// Read reads MQTT bytes from the current binary message, moving on to the
// next message when it is exhausted.
func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			mt, r, err := c.ws.NextReader()
			if err != nil {
				return 0, wsReadErr(err)
			}
			if mt != websocket.BinaryMessage {
				return 0, errTextMessage // [MQTT-6.0.0-1]
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			return n, wsReadErr(err)
		}
		return n, nil
	}
}

// wsReadErr maps a normal WebSocket close to io.EOF, as a TCP close reads,
// and an expired read deadline to os.ErrDeadlineExceeded, which gorilla
// hides behind an error of its own: the server tells a v5 client whose
// keep alive expired why it is disconnected, as over TCP.
func wsReadErr(err error) error {
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
		return io.EOF
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("websocket read: %w (%v)", os.ErrDeadlineExceeded, err)
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("websocket closed by peer: %w", err)
	}
	return err
}

// Write sends p as one binary message.
func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil { // [MQTT-6.0.0-1]
		return 0, err
	}
	return len(p), nil
}

// Close sends a close frame (bounded by closeGrace) and closes the
// underlying connection.
func (c *wsConn) Close() error {
	c.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
		c.closeErr = c.ws.Close()
	})
	return c.closeErr
}

// LocalAddr returns the local network address.
func (c *wsConn) LocalAddr() net.Addr { return c.ws.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *wsConn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *wsConn) SetDeadline(t time.Time) error {
	if err := c.ws.SetReadDeadline(t); err != nil {
		return err
	}
	return c.ws.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline.
func (c *wsConn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline.
func (c *wsConn) SetWriteDeadline(t time.Time) error { return c.ws.SetWriteDeadline(t) }

// ConnectionState returns the TLS state of a secure WebSocket connection
// (the zero value for plain ws://), so that the broker sees verified client
// certificates as it does for TLS listeners.
func (c *wsConn) ConnectionState() tls.ConnectionState {
	if c.tls == nil {
		return tls.ConnectionState{}
	}
	return *c.tls
}
