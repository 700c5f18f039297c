// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultWebSocketPath is the path a WebSocket listener advertises when
// WebSocketOptions.Path is empty; such a listener upgrades on every path,
// as Mosquitto and most brokers do, since clients differ ("/mqtt" for
// Paho and most libraries, "/" for others).
const DefaultWebSocketPath = "/mqtt"

// defaultMaxMessageSize matches the broker's default maximum packet size.
const defaultMaxMessageSize = 1 << 20

// Subprotocols are the WebSocket subprotocols the listener accepts, in order
// of preference: "mqtt" is the one MQTT v3.1.1 and v5 name (section 6);
// "mqttv3.1" is what MQTT v3.1 clients send.
var Subprotocols = []string{"mqtt", "mqttv3.1"}

// WebSocketOptions configure a WebSocket listener.
type WebSocketOptions struct {
	// Path, when set, is the only HTTP path clients may upgrade on (others
	// get 404). Empty accepts every path and advertises DefaultWebSocketPath.
	Path string
	// AllowedOrigins lists the Origin header values accepted besides the
	// listener's own origin: full origins ("https://app.example.com") or
	// host names with an optional port ("app.example.com:8443"); "*"
	// accepts every origin. Requests without an Origin header (non-browser
	// clients) are always accepted. By default only same-origin browser
	// pages may connect.
	AllowedOrigins []string
	// TLSConfig, when set, makes the listener a secure WebSocket (wss://)
	// listener. Client certificates it verifies are visible to hooks as
	// broker.ClientInfo.CertSubject.
	TLSConfig *tls.Config
	// MaxMessageSize bounds one WebSocket message, in bytes; set it to the
	// broker's maximum packet size (srv.Options().Capabilities.MaximumPacketSize).
	// Default 1 MiB, the broker's default.
	MaxMessageSize int64
	// HandshakeTimeout bounds the HTTP upgrade. Default 10 s.
	HandshakeTimeout time.Duration
	// Logger receives refused upgrades at debug level; slog.Default() when nil.
	Logger *slog.Logger
}

// WebSocket is a broker.Listener serving MQTT over WebSocket (or secure
// WebSocket) with gorilla/websocket. MQTT packets travel in binary
// messages; a packet may span messages and a message may hold several
// packets.
type WebSocket struct {
	id   string
	ln   net.Listener
	opts WebSocketOptions
	up   websocket.Upgrader
	hs   *http.Server

	mu     sync.Mutex
	handle func(net.Conn)
	closed bool
}

// ListenWebSocket listens on the TCP address addr and returns a WebSocket
// listener named id.
func ListenWebSocket(id, addr string, opts WebSocketOptions) (*WebSocket, error) {
	scheme := "ws"
	if opts.TLSConfig != nil {
		scheme = "wss"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listener %s: listen on %s %s: %w", id, scheme, addr, err)
	}
	return NewWebSocket(id, ln, opts), nil
}

// NewWebSocket returns a WebSocket listener named id accepting on ln (which
// must not already be wrapped in TLS; set opts.TLSConfig instead).
func NewWebSocket(id string, ln net.Listener, opts WebSocketOptions) *WebSocket {
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = defaultMaxMessageSize
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TLSConfig != nil {
		cfg := opts.TLSConfig.Clone()
		// The upgrade needs HTTP/1.1; never negotiate h2.
		cfg.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, cfg)
	}
	w := &WebSocket{id: id, ln: ln, opts: opts}
	w.up = websocket.Upgrader{
		HandshakeTimeout: opts.HandshakeTimeout,
		Subprotocols:     Subprotocols,
		CheckOrigin:      w.checkOrigin,
	}
	var handler http.Handler = http.HandlerFunc(w.serveHTTP)
	if opts.Path != "" {
		mux := http.NewServeMux()
		mux.Handle(opts.Path, handler)
		handler = mux
	}
	w.hs = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: opts.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	return w
}

// ID returns the listener's name.
func (w *WebSocket) ID() string { return w.id }

// Addr returns the address the listener accepts on.
func (w *WebSocket) Addr() net.Addr { return w.ln.Addr() }

// Path returns the HTTP path clients connect to: the configured one, or
// DefaultWebSocketPath for a listener that accepts every path.
func (w *WebSocket) Path() string {
	if w.opts.Path == "" {
		return DefaultWebSocketPath
	}
	return w.opts.Path
}

// Serve accepts WebSocket upgrades and calls handle for each connection,
// on the connection's own HTTP goroutine, until Close; it then returns nil.
func (w *WebSocket) Serve(handle func(net.Conn)) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.handle = handle
	w.mu.Unlock()
	err := w.hs.Serve(w.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listener %s: serve websocket: %w", w.id, err)
	}
	return nil
}

// Close stops accepting upgrades and unblocks Serve. Connections already
// upgraded belong to the broker, which closes them.
func (w *WebSocket) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.HandshakeTimeout)
	defer cancel()
	err := w.hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = w.hs.Close()
	}
	// Shutdown does not close a listener that Serve never used.
	if cerr := w.ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("listener %s: close websocket: %w", w.id, err)
	}
	return nil
}

// serveHTTP upgrades one request and serves the MQTT connection on it.
func (w *WebSocket) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	if offered := websocket.Subprotocols(r); len(offered) > 0 && !slices.ContainsFunc(offered, func(p string) bool {
		return slices.Contains(Subprotocols, p)
	}) {
		// [MQTT-6.0.0-3] the client offers "mqtt"; a page offering only
		// something else would fail after the upgrade anyway.
		w.opts.Logger.Debug("websocket upgrade refused: no MQTT subprotocol offered",
			"listener", w.id, "remote", r.RemoteAddr, "offered", offered)
		http.Error(rw, "unsupported WebSocket subprotocol: offer \"mqtt\"", http.StatusBadRequest)
		return
	}
	ws, err := w.up.Upgrade(rw, r, nil)
	if err != nil {
		// The upgrader has already answered with an HTTP error.
		w.opts.Logger.Debug("websocket upgrade refused", "listener", w.id,
			"remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	ws.SetReadLimit(w.opts.MaxMessageSize)
	w.mu.Lock()
	handle := w.handle
	w.mu.Unlock()
	handle(newWSConn(ws, r.TLS))
}

// checkOrigin accepts requests without an Origin header, same-origin
// requests, and the configured AllowedOrigins.
func (w *WebSocket) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, a := range w.opts.AllowedOrigins {
		if a == "*" || strings.EqualFold(a, origin) || strings.EqualFold(a, u.Host) {
			return true
		}
	}
	return false
}
