// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Listener is a source of client connections. The package provides
// NewNetListener (any net.Listener: TCP, TLS, Unix) and ListenTCP; the
// listeners package adds WebSocket and HTTP endpoints.
type Listener interface {
	// ID names the listener in logs and in ClientInfo.Listener.
	ID() string
	// Addr is the address the listener accepts on.
	Addr() net.Addr
	// Serve accepts connections and calls handle for each one, in its own
	// goroutine or not, until Close is called; it then returns nil.
	Serve(handle func(net.Conn)) error
	// Close stops accepting connections and unblocks Serve.
	Close() error
}

// ListenConfig is the configuration ListenTCP (and the TLS and WebSocket
// listeners) use: TCP keep-alive probes off, since MQTT keep alive
// detects dead peers.
var ListenConfig = net.ListenConfig{KeepAlive: -1}

// NetListener adapts any net.Listener (TCP, TLS, Unix socket, ...) to a
// Listener. Temporary accept errors are retried with a back-off, as
// net/http does, so the listener never dies on a transient error such as
// running out of file descriptors.
type NetListener struct {
	id     string
	ln     net.Listener
	mu     sync.Mutex
	closed bool
}

// NewNetListener wraps ln as a Listener named id.
func NewNetListener(id string, ln net.Listener) *NetListener {
	return &NetListener{id: id, ln: ln}
}

// ListenTCP listens on the TCP address addr ("127.0.0.1:1883", ":0", ...).
// Accepted connections do not get TCP keep-alive probes: MQTT's own keep
// alive detects dead peers, and skipping the socket options saves several
// system calls per connection.
func ListenTCP(id, addr string) (*NetListener, error) {
	ln, err := ListenConfig.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listener %s: listen on tcp %s: %w", id, addr, err)
	}
	return NewNetListener(id, ln), nil
}

// ID returns the listener's name.
func (l *NetListener) ID() string { return l.id }

// Addr returns the address the listener accepts on.
func (l *NetListener) Addr() net.Addr { return l.ln.Addr() }

// Serve accepts connections until Close.
func (l *NetListener) Serve(handle func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			l.mu.Lock()
			closed := l.closed
			l.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Every other accept error is treated as temporary (EMFILE,
			// ECONNABORTED, ...): back off and retry rather than die.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			time.Sleep(delay)
			continue
		}
		delay = 0
		go handle(c)
	}
}

// Close stops the listener.
func (l *NetListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return l.ln.Close()
}
