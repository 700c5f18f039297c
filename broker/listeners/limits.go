// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/broker"
)

// ConnLimits bound how fast and how many connections a listener hands to
// the broker. A refused connection is closed before the broker reads
// anything from it.
type ConnLimits struct {
	// MaxPerIP bounds the concurrent connections from one IP address;
	// 0 means no bound. Unix socket peers have no IP and are not bounded.
	MaxPerIP int
	// Rate bounds new connections per second over all peers (a token
	// bucket); 0 means no bound.
	Rate float64
	// Burst is the bucket size: how many connections may arrive at once.
	// Default: Rate rounded up, at least 1.
	Burst int
	// Logger receives refusals at debug level; slog.Default() when nil.
	Logger *slog.Logger
}

// Limited is a broker.Listener that applies ConnLimits to another one.
type Limited struct {
	broker.Listener
	lim      ConnLimits
	refused  atomic.Uint64
	now      func() time.Time
	mu       sync.Mutex // guards the fields below
	perIP    map[string]int
	tokens   float64
	lastFill time.Time
}

// WithLimits wraps l so that connections beyond lim are refused.
func WithLimits(l broker.Listener, lim ConnLimits) *Limited {
	if lim.Burst <= 0 {
		lim.Burst = max(1, int(lim.Rate+0.999))
	}
	if lim.Logger == nil {
		lim.Logger = slog.Default()
	}
	return &Limited{Listener: l, lim: lim, now: time.Now, perIP: make(map[string]int), tokens: float64(lim.Burst)}
}

// Refused returns how many connections were refused so far.
func (l *Limited) Refused() uint64 { return l.refused.Load() }

// Serve serves the wrapped listener, refusing connections over the limits.
func (l *Limited) Serve(handle func(net.Conn)) error {
	return l.Listener.Serve(func(nc net.Conn) {
		// The rate first: the remote address may wait for a PROXY
		// protocol header, and a flood must be shed before that.
		if !l.takeToken() {
			l.refuse(nc, "connection rate limit")
			return
		}
		ip, ok := l.takeSlot(nc.RemoteAddr())
		if !ok {
			l.refundToken()
			l.refuse(nc, "too many connections from this address")
			return
		}
		// The slot is released when the connection closes: the server may
		// return from handle before that (it continues a connected client
		// on another goroutine).
		handle(newReleasingConn(nc, func() { l.release(ip) }))
	})
}

// releasingConn calls release once, when the connection is closed.
type releasingConn struct {
	wrapped
	once    sync.Once
	release func()
}

func newReleasingConn(nc net.Conn, release func()) net.Conn {
	return &releasingConn{wrapped: wrapped{nc}, release: release}
}

// Close closes the connection and releases its slot.
func (c *releasingConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// takeToken takes a token of the rate limit, or reports there is none.
func (l *Limited) takeToken() bool {
	if l.lim.Rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.lastFill.IsZero() {
		l.tokens = min(float64(l.lim.Burst), l.tokens+now.Sub(l.lastFill).Seconds()*l.lim.Rate)
	}
	l.lastFill = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// refundToken gives back the token of a connection refused for its address.
func (l *Limited) refundToken() {
	if l.lim.Rate <= 0 {
		return
	}
	l.mu.Lock()
	l.tokens = min(float64(l.lim.Burst), l.tokens+1)
	l.mu.Unlock()
}

// takeSlot takes a per-IP slot for a connection from a, or reports that
// its address has none left. Peers without an IP are not bounded.
func (l *Limited) takeSlot(a net.Addr) (ip string, ok bool) {
	if ta, isTCP := a.(*net.TCPAddr); isTCP {
		ip = ta.IP.String()
	}
	if ip == "" {
		return "", true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lim.MaxPerIP > 0 && l.perIP[ip] >= l.lim.MaxPerIP {
		return "", false
	}
	l.perIP[ip]++
	return ip, true
}

// refuse closes a connection over the limits. It logs the peer's own
// address, never waiting for a PROXY protocol header.
func (l *Limited) refuse(nc net.Conn, why string) {
	l.refused.Add(1)
	peer := nc
	for {
		u, ok := peer.(interface{ Unwrap() net.Conn })
		if !ok {
			break
		}
		peer = u.Unwrap()
	}
	l.lim.Logger.Debug("connection refused", "listener", l.ID(), "remote", peer.RemoteAddr().String(), "reason", why)
	_ = nc.Close()
}

// release frees the per-IP slot of an ended connection.
func (l *Limited) release(ip string) {
	if ip == "" {
		return
	}
	l.mu.Lock()
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
	l.mu.Unlock()
}
