// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/codec"
)

// Server is an MQTT v5, v3.1.1 and v3.1 broker. Create one with New, add
// hooks and listeners, then call Serve; Close shuts it down gracefully.
type Server struct {
	opts  Options
	log   *slog.Logger
	hooks hookSet

	// connecting serialises, per client identifier, CONNECT handling from
	// the resume recheck to attach (see completeConnect).
	connecting idLocks

	topics   *topics.Index
	retained *retainedStore
	inline   inlineSubs
	stats    stats
	started  time.Time
	selector SharedSelector
	persist  persister
	// connackProps are the capability properties of every v5 CONNACK;
	// read-only (the pointers are shared by every CONNACK).
	connackProps codec.Properties

	// mu guards the fields below. Lock order: Server.mu before session.mu
	// before outQueue.mu (see LOCKORDER.md).
	mu        sync.RWMutex
	sessions  map[string]*session
	listeners []Listener
	serving   bool
	starting  bool // Serve is rechecking restored state; listeners not started yet
	closing   bool

	// connsMu guards conns and connsClosed; it is a leaf lock, so that
	// registering a new connection does not contend with sessions.
	connsMu     sync.Mutex
	conns       map[*conn]struct{}
	connsClosed bool // Close has taken the list: new connections are refused

	connWG   sync.WaitGroup // one per live connection goroutine
	listenWG sync.WaitGroup // one per listener's Serve
	stop     chan struct{}  // closed by Close to stop background goroutines
	bgWG     sync.WaitGroup // background goroutines ($SYS, memory guard)
	mem      memoryGuard
	nextID   atomic.Uint64 // for assigned client identifiers
	aclGen   atomic.Uint64 // bumped by RecheckSubscriptions; see session.aclGen
	// queueFullWarned and the other ...Warned fields are when warnEvery
	// last logged those conditions (unix ns).
	queueFullWarned    atomic.Int64
	connsFullWarned    atomic.Int64
	retainedFullWarned atomic.Int64
	stallWarned        atomic.Int64 // a subscriber stalled
	dropWarned         atomic.Int64 // a message was dropped for a full queue
	quotaWarned        atomic.Int64 // a subscription was refused for a quota
	tooLargeWarned     atomic.Int64 // a packet over MaximumPacketSize was refused
	closed             atomic.Bool
}

// New returns a server configured by opts (zero fields take their defaults).
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		topics:   topics.New(),
		retained: newRetainedStore(),
		sessions: make(map[string]*session),
		conns:    make(map[*conn]struct{}),
		stop:     make(chan struct{}),
		selector: opts.SharedSelector,
		persist:  persister{store: opts.Storage},
	}
	s.hooks.log = s.log
	s.connackProps = capabilityProperties(&opts.Capabilities)
	if s.selector == nil {
		s.selector = &roundRobin{}
	}
	s.inline.init(s.log)
	// Sessions restored from storage keep aclGen 0: their subscriptions
	// are checked again when they resume.
	s.aclGen.Store(1)
	return s
}

// capabilityProperties builds the CONNACK properties that advertise caps
// [MQTT-3.2.2-9] [MQTT-3.2.2-10] [MQTT-3.2.2-12].
func capabilityProperties(caps *Capabilities) codec.Properties {
	var p codec.Properties
	if caps.ReceiveMaximum != 65535 {
		p.ReceiveMaximum = codec.Ptr(caps.ReceiveMaximum)
	}
	if caps.MaximumQoS < 2 {
		p.MaximumQoS = codec.Ptr(byte(caps.MaximumQoS))
	}
	if caps.DisableRetain {
		p.RetainAvailable = codec.Ptr(byte(0))
	}
	p.MaximumPacketSize = codec.Ptr(caps.MaximumPacketSize)
	p.TopicAliasMaximum = codec.Ptr(caps.TopicAliasMaximum)
	if caps.DisableWildcards {
		p.WildcardSubAvailable = codec.Ptr(byte(0))
	}
	if caps.DisableSubscriptionIDs {
		p.SubIDAvailable = codec.Ptr(byte(0))
	}
	if caps.DisableSharedSubscriptions {
		p.SharedSubAvailable = codec.Ptr(byte(0))
	}
	return p
}

// Options returns the server's effective options, defaults applied.
func (s *Server) Options() Options { return s.opts }

// AddHook adds a hook. Hooks must be added before Serve.
func (s *Server) AddHook(h Hook) error {
	if h == nil {
		return errors.New("add hook: hook is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serving {
		return fmt.Errorf("add hook %q: the server is already serving; add hooks before Serve", h.ID())
	}
	s.hooks.add(h)
	return nil
}

// AddListener adds a listener. Listeners added after Serve start at once.
func (s *Server) AddListener(l Listener) error {
	if l == nil {
		return errors.New("add listener: listener is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return fmt.Errorf("add listener %q: the server is closed", l.ID())
	}
	for _, x := range s.listeners {
		if x.ID() == l.ID() {
			return fmt.Errorf("add listener %q: a listener with this ID already exists", l.ID())
		}
	}
	s.listeners = append(s.listeners, l)
	if s.serving {
		s.serveListener(l)
	}
	return nil
}

// Serve starts every listener and the server's background work, then
// returns; it does not block. Call Close to stop.
func (s *Server) Serve() error {
	s.mu.Lock()
	if s.serving || s.starting {
		s.mu.Unlock()
		return errors.New("serve: the server is already serving")
	}
	if s.closing {
		s.mu.Unlock()
		return errors.New("serve: the server is closed")
	}
	if s.persist.enabled() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.restoreLocked(ctx)
		cancel()
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("serve: %w", err)
		}
		// The access rules may have changed while the server was down:
		// retained messages restored with their publisher are checked
		// again before any client connects, as restored sessions are when
		// they resume. ACL hooks are called with no lock held.
		s.starting = true // no second Serve meanwhile; listeners start below
		s.mu.Unlock()
		if n := s.recheckRetained(); n > 0 {
			s.log.Info("restored retained messages whose publishers may no longer publish them were removed", "messages", n)
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return errors.New("serve: the server was closed while it started")
		}
	}
	s.serving = true
	s.started = time.Now()
	if s.opts.Limits.MemoryLimit > 0 {
		s.mem.sample(s.opts.Limits.MemoryLimit, s.log) // before the first client
		s.bgWG.Add(1)
		go s.memoryLoop()
	}
	for _, l := range s.listeners {
		s.serveListener(l)
	}
	s.mu.Unlock()
	if s.opts.SysInterval > 0 {
		s.bgWG.Add(1)
		go s.sysLoop()
	}
	for _, h := range s.hooks.started {
		s.hooks.guard(h, "OnStarted", h.OnStarted)
	}
	return nil
}

// serveListener starts l; s.mu must be held.
func (s *Server) serveListener(l Listener) {
	s.listenWG.Add(1)
	go func() {
		defer s.listenWG.Done()
		if err := l.Serve(func(nc net.Conn) { s.handle(l.ID(), nc) }); err != nil {
			s.log.Error("listener stopped with an error", "listener", l.ID(), "err", err)
		}
	}()
	s.log.Info("listening", "listener", l.ID(), "addr", l.Addr().String())
}

// ServeConn serves one client connection; listeners call it for each
// accepted connection, and listener names the source in
// ClientInfo.Listener. It returns when the connection ends or, once the
// client is connected, when the server continues it on a goroutine of its
// own (a fresh, small stack for a long-lived connection). The server closes
// nc when the connection ends: a listener that must know (to free a
// per-address slot, say) wraps nc and watches Close; wrappers should offer
// Unwrap() net.Conn so the server still finds the socket and TLS state.
func (s *Server) ServeConn(listener string, nc net.Conn) {
	s.handle(listener, nc)
}

func (s *Server) handle(listener string, nc net.Conn) {
	c := newConn(s, nc, listener)
	s.connsMu.Lock()
	if s.connsClosed {
		s.connsMu.Unlock()
		_ = nc.Close()
		return
	}
	if len(s.conns) >= s.opts.Limits.MaxConnections {
		s.connsMu.Unlock()
		_ = nc.Close()
		s.warnEvery(&s.connsFullWarned, "connection closed: Limits.MaxConnections reached (raise the open-file limit or the option)",
			"max_connections", s.opts.Limits.MaxConnections, "remote", nc.RemoteAddr().String())
		return
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	s.connsMu.Unlock()
	c.serve() // c.finish releases c from conns and connWG
}

// Close shuts the server down gracefully: it stops accepting connections,
// sends DISCONNECT 0x8B (server shutting down) to v5 clients, flushes what
// is queued to every client within the write timeout, closes every
// connection and stops background work. It is safe to call more than once.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.mu.Lock()
	s.closing = true
	listeners := append([]Listener(nil), s.listeners...)
	s.mu.Unlock()
	s.connsMu.Lock()
	s.connsClosed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connsMu.Unlock()

	var errs []error
	for _, l := range listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close listener %s: %w", l.ID(), err))
		}
	}
	s.listenWG.Wait()
	for _, c := range conns {
		c.shutdown(codec.ServerShuttingDown)
	}
	// Connections flush within the write timeout; past it they are cut.
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.opts.WriteTimeout):
		s.connsMu.Lock()
		for c := range s.conns {
			_ = c.nc.Close()
		}
		s.connsMu.Unlock()
		<-done
	}
	close(s.stop)
	s.bgWG.Wait()
	s.mu.Lock()
	for _, sess := range s.sessions {
		sess.stopTimers()
	}
	s.mu.Unlock()
	if s.persist.enabled() {
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.WriteTimeout)
		if err := s.persist.store.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close storage: %w", err))
		}
		cancel()
	}
	for _, h := range s.hooks.stopped {
		s.hooks.guard(h, "OnStopped", h.OnStopped)
	}
	return errors.Join(errs...)
}

// debugEnabled reports whether debug logs are on; callers check it before
// building a log call's arguments on connection paths.
func (s *Server) debugEnabled() bool {
	return s.log.Enabled(context.Background(), slog.LevelDebug)
}

// debug logs at debug level from its own frame, keeping the argument
// slice off the stacks of long-lived connection goroutines.
//
//go:noinline
func (s *Server) debug(msg string, args ...any) { s.log.Debug(msg, args...) }

// stats are the server's counters, updated atomically.
type stats struct {
	clientsConnected  atomic.Int64
	clientsTotal      atomic.Int64
	clientsMaximum    atomic.Int64
	disconnects       atomic.Int64
	messagesIn        atomic.Int64
	messagesOut       atomic.Int64
	messagesDropped   atomic.Int64
	bytesIn           atomic.Int64
	bytesOut          atomic.Int64
	packetsIn         atomic.Int64
	packetsOut        atomic.Int64
	inflight          atomic.Int64
	queued            atomic.Int64
	queuedBytes       atomic.Int64 // sum of session.queueSize
	subscriptionBytes atomic.Int64 // sum of session.subBytes
}

// Info returns a snapshot of the server's counters.
func (s *Server) Info() SysInfo {
	st := &s.stats
	info := SysInfo{
		Version:          s.opts.Version,
		Started:          s.started,
		ClientsConnected: st.clientsConnected.Load(),
		ClientsMaximum:   st.clientsMaximum.Load(),
		ConnectionsTotal: st.clientsTotal.Load(),
		DisconnectsTotal: st.disconnects.Load(),
		MessagesReceived: st.messagesIn.Load(),
		MessagesSent:     st.messagesOut.Load(),
		MessagesDropped:  st.messagesDropped.Load(),
		BytesReceived:    st.bytesIn.Load(),
		BytesSent:        st.bytesOut.Load(),
		PacketsReceived:  st.packetsIn.Load(),
		PacketsSent:      st.packetsOut.Load(),
		Subscriptions:    int64(s.topics.Count()),
		Retained:         int64(s.retained.count()),
		Inflight:         st.inflight.Load(),
		Queued:           st.queued.Load(),
		QueuedBytes:      st.queuedBytes.Load(),
	}
	s.mu.RLock()
	info.ClientsTotal = int64(len(s.sessions))
	s.mu.RUnlock()
	info.ClientsDisconnect = max(info.ClientsTotal-info.ClientsConnected, 0)
	if s.overMemory() {
		info.MemoryLimited = 1
	}
	if !s.started.IsZero() {
		info.Uptime = int64(time.Since(s.started).Seconds())
	}
	return info
}

// ListenerAddrs returns the address of every listener, keyed by ID.
func (s *Server) ListenerAddrs() map[string]net.Addr {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string]net.Addr, len(s.listeners))
	for _, l := range s.listeners {
		m[l.ID()] = l.Addr()
	}
	return m
}

// Ready reports whether the server is serving (storage restored), not
// closing, and its storage is healthy; health checks use it.
func (s *Server) Ready() bool {
	s.mu.RLock()
	ok := s.serving && !s.closing
	s.mu.RUnlock()
	return ok && (!s.persist.enabled() || s.persist.store.Healthy())
}
