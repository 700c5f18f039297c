// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/broker"
)

// HTTPOptions configure the HTTP handler of [NewHTTPHandler].
type HTTPOptions struct {
	// Ready, when set, is consulted by /readyz besides the broker's own
	// readiness: returning false (storage not restored, unhealthy, ...)
	// makes the broker not ready. The string says why.
	Ready func() (ok bool, why string)
	// Handlers are extra handlers by path pattern, such as "/metrics".
	Handlers map[string]http.Handler
}

// NewHTTPHandler returns a handler serving
//
//   - GET /stats: srv.Info() (the $SYS counters) as JSON;
//   - GET /healthz: liveness, 200 "ok" while the process serves HTTP;
//   - GET /readyz: readiness, 200 "ready" while srv.Ready() and opts.Ready
//     agree, 503 with the reason otherwise (not started, closing, storage
//     not ready);
//
// and opts.Handlers.
func NewHTTPHandler(srv *broker.Server, opts HTTPOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(srv.Info())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !srv.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: the broker is not serving or is closing\n"))
			return
		}
		if opts.Ready != nil {
			if ok, why := opts.Ready(); !ok {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = fmt.Fprintf(w, "not ready: %s\n", why)
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	for pattern, h := range opts.Handlers {
		mux.Handle(pattern, h)
	}
	return mux
}

// HTTPServer serves an http.Handler (usually [NewHTTPHandler]'s) on its own
// address, separate from the MQTT listeners.
type HTTPServer struct {
	ln net.Listener
	hs *http.Server

	mu     sync.Mutex
	closed bool
}

// ListenHTTP listens on the TCP address addr for h.
func ListenHTTP(addr string, h http.Handler, log *slog.Logger) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http listener: listen on tcp %s: %w", addr, err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &HTTPServer{ln: ln, hs: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}}, nil
}

// Addr returns the address the server accepts on.
func (s *HTTPServer) Addr() net.Addr { return s.ln.Addr() }

// Serve serves HTTP until Close, then returns nil.
func (s *HTTPServer) Serve() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	err := s.hs.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("http listener %s: %w", s.ln.Addr(), err)
	}
	return nil
}

// Close lets requests in progress finish within ctx's deadline, then
// closes the server.
func (s *HTTPServer) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.hs.Shutdown(ctx)
	if err != nil {
		err = s.hs.Close()
	}
	if cerr := s.ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("http listener %s: close: %w", s.ln.Addr(), err)
	}
	return nil
}
