// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"

	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/tools/metrics"
)

// instance is a running broker with its HTTP endpoint.
type instance struct {
	log    *slog.Logger
	srv    *broker.Server
	ledger *authledger.Hook // nil unless auth is a ledger
	http   *listeners.HTTPServer
	httpWG sync.WaitGroup
	plan   *plan
}

// start binds every listener (closing those already bound if one fails, so
// that nothing runs half configured), then starts the broker and the HTTP
// endpoint.
func start(p *plan, log *slog.Logger, version string) (_ *instance, err error) {
	opts := p.opts
	opts.Logger = log
	opts.Version = version
	maxPacket := int64(p.opts.Capabilities.MaximumPacketSize)
	if maxPacket == 0 {
		maxPacket = 1 << 20 // the broker's default
	}

	var bound []broker.Listener
	defer func() {
		if err != nil {
			for _, l := range bound {
				_ = l.Close()
			}
		}
	}()
	listening := p.listeners[:0:0]
	for _, lp := range p.listeners {
		l, err := bind(lp, maxPacket, log)
		if err != nil && lp.optional {
			level := slog.LevelInfo // no IPv6 here: nothing to do
			if errors.Is(err, syscall.EADDRINUSE) {
				level = slog.LevelWarn // another program serves this address
			}
			log.Log(context.Background(), level, "optional listener not started", "listener", lp.ID, "addr", lp.Address, "err", err)
			continue
		}
		if err != nil {
			return nil, err
		}
		bound = append(bound, l)
		listening = append(listening, lp)
	}
	// Storage opens after the sockets are bound so that a busy port does
	// not cost a database open; the broker restores from it in Serve and
	// closes it in Close.
	store, err := openStorage(p.storage, log)
	if err != nil {
		return nil, err
	}
	opts.Storage = store
	srv := broker.New(opts)
	inst := &instance{log: log, srv: srv, plan: p}
	if store != nil {
		defer func() {
			if err != nil {
				_ = srv.Close() // closes the store too
			}
		}()
	}

	if p.packets {
		if err := srv.AddHook(&packetLogger{log: log}); err != nil {
			return nil, err
		}
	}
	if p.ledger != nil {
		inst.ledger = authledger.New(authledger.Options{Ledger: p.ledger, ObscureReasons: p.obscure})
		if err := srv.AddHook(inst.ledger); err != nil {
			return nil, err
		}
	}
	if p.allowAll {
		if err := srv.AddHook(broker.AllowAll{}); err != nil {
			return nil, err
		}
	}

	m := metrics.New(srv)
	if store != nil {
		m.AddStorage(store)
	}
	if err := srv.AddHook(m.Hook()); err != nil {
		return nil, err
	}

	// The HTTP endpoint starts first so that liveness answers and
	// readiness says "not ready" while storage is being restored.
	if p.httpAddr != "" {
		ho := listeners.HTTPOptions{}
		if store != nil {
			ho.Ready = func() (bool, string) { return store.Healthy(), "storage " + p.storage.Backend + " is not healthy" }
		}
		ho.Handlers = map[string]http.Handler{"GET /metrics": m.Handler()}
		hs, herr := listeners.ListenHTTP(p.httpAddr, listeners.NewHTTPHandler(srv, ho), log)
		if herr != nil {
			return nil, herr
		}
		inst.http = hs
		inst.httpWG.Add(1)
		go func() {
			defer inst.httpWG.Done()
			if err := hs.Serve(); err != nil {
				log.Error("HTTP endpoint stopped", "err", err)
			}
		}()
		defer func() {
			if err != nil {
				_ = hs.Close(context.Background())
				inst.httpWG.Wait()
			}
		}()
		base := "http://" + hs.Addr().String()
		log.Info("HTTP endpoint ready", "addr", hs.Addr().String(), "stats", base+"/stats", "health", base+"/healthz", "ready", base+"/readyz", "metrics", base+"/metrics")
	}
	for _, l := range bound {
		if err := srv.AddListener(l); err != nil {
			return nil, err
		}
	}
	if err := srv.Serve(); err != nil {
		return nil, err
	}
	bound = nil // the server owns them now
	addrs := srv.ListenerAddrs()
	for _, lp := range listening {
		log.Info("MQTT listener ready", "listener", lp.ID, "type", lp.Type, "addr", addrs[lp.ID].String(), "url", listenerURL(lp, addrs[lp.ID]))
	}
	return inst, nil
}

// bind creates and binds one listener, with its connection limits.
func bind(lp listenerPlan, maxPacket int64, log *slog.Logger) (broker.Listener, error) {
	l, err := bindRaw(lp, maxPacket, log)
	if err != nil || (lp.MaxConnectionsPerIP == 0 && lp.ConnectionRate == 0) {
		return l, err
	}
	return listeners.WithLimits(l, listeners.ConnLimits{
		MaxPerIP: lp.MaxConnectionsPerIP, Rate: lp.ConnectionRate, Burst: lp.ConnectionBurst, Logger: log,
	}), nil
}

// bindRaw creates and binds one listener.
func bindRaw(lp listenerPlan, maxPacket int64, log *slog.Logger) (broker.Listener, error) {
	if lp.proxy != nil {
		return bindProxied(lp, maxPacket, log)
	}
	switch lp.Type {
	case typeTCP:
		return broker.ListenTCP(lp.ID, lp.Address)
	case typeTLS:
		return listeners.ListenTLS(lp.ID, lp.Address, lp.tls)
	case typeUnix:
		return listeners.ListenUnix(lp.ID, lp.Address)
	case typeWS, typeWSS:
		return listeners.ListenWebSocket(lp.ID, lp.Address, wsOptions(lp, maxPacket, log))
	}
	return nil, fmt.Errorf("listener %s: unknown type %q", lp.ID, lp.Type)
}

// wsOptions are the options of a ws or wss listener.
func wsOptions(lp listenerPlan, maxPacket int64, log *slog.Logger) listeners.WebSocketOptions {
	return listeners.WebSocketOptions{
		Path:           lp.Path,
		AllowedOrigins: lp.AllowedOrigins,
		TLSConfig:      lp.tls,
		MaxMessageSize: maxPacket,
		Logger:         log,
	}
}

// bindProxied creates and binds a TCP, TLS or WebSocket listener whose
// connections start with a PROXY protocol header: the header is read from
// the TCP connection, before TLS and HTTP.
func bindProxied(lp listenerPlan, maxPacket int64, log *slog.Logger) (broker.Listener, error) {
	raw, err := broker.ListenConfig.Listen(context.Background(), "tcp", lp.Address)
	if err != nil {
		return nil, fmt.Errorf("listener %s: listen on %s %s: %w", lp.ID, lp.Type, lp.Address, err)
	}
	ln := listeners.WithProxyProtocol(raw, *lp.proxy)
	switch lp.Type {
	case typeTCP:
		return broker.NewNetListener(lp.ID, ln), nil
	case typeTLS:
		return broker.NewNetListener(lp.ID, tls.NewListener(ln, lp.tls)), nil
	case typeWS, typeWSS:
		return listeners.NewWebSocket(lp.ID, ln, wsOptions(lp, maxPacket, log)), nil
	}
	_ = raw.Close()
	return nil, fmt.Errorf("listener %s: the PROXY protocol is not available on %s listeners", lp.ID, lp.Type)
}

// listenerURL is the URL clients use to reach a listener.
func listenerURL(lp listenerPlan, a net.Addr) string {
	if a == nil {
		return ""
	}
	switch lp.Type {
	case typeTCP:
		return "mqtt://" + a.String()
	case typeTLS:
		return "mqtts://" + a.String()
	case typeUnix:
		return "unix://" + a.String()
	}
	path := lp.Path
	if path == "" {
		path = listeners.DefaultWebSocketPath
	}
	return lp.Type + "://" + a.String() + path
}

// stop shuts the broker down gracefully within ctx's deadline.
func (inst *instance) stop(ctx context.Context) error {
	var errs []error
	if inst.http != nil {
		if err := inst.http.Close(ctx); err != nil {
			errs = append(errs, err)
		}
		inst.httpWG.Wait()
	}
	done := make(chan error, 1)
	go func() { done <- inst.srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			errs = append(errs, err)
		}
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("shutdown: the broker did not stop within the deadline: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}
