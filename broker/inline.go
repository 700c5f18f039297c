// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/codec"
)

// inlinePrefix starts the client identifier of inline subscriptions in the
// topic index. U+0000 can never appear in a client's identifier
// [MQTT-1.5.4-2], so these never collide with real clients.
const inlinePrefix = "\x00inline/"

// InlineHandler receives messages for an inline subscription. It runs on
// the publisher's goroutine with no server lock held; pk is shared and must
// not be modified or kept beyond the call without copying (pk.Clone()).
type InlineHandler func(sub InlineSubscription, pk *codec.Publish)

// InlineSubscription identifies an inline subscription.
type InlineSubscription struct {
	Filter string
	ID     int
}

type inlineSubs struct {
	mu       sync.RWMutex // guards handlers
	handlers map[string]InlineHandler
	count    atomic.Int64
	log      *slog.Logger
}

func (in *inlineSubs) init(log *slog.Logger) {
	in.handlers = make(map[string]InlineHandler)
	in.log = log
}

func isInline(client string) bool { return strings.HasPrefix(client, inlinePrefix) }

func inlineClient(id int) string { return inlinePrefix + strconv.Itoa(id) }

func (in *inlineSubs) call(sub *topics.Sub, m *message) {
	key := sub.Client + "\x00" + sub.Group + "\x00" + sub.Filter
	in.mu.RLock()
	h := in.handlers[key]
	in.mu.RUnlock()
	if h == nil {
		return
	}
	id, _ := strconv.Atoi(strings.TrimPrefix(sub.Client, inlinePrefix))
	pk := m.pub
	in.callHandler(h, InlineSubscription{Filter: sub.FullFilter(), ID: id}, &pk)
}

// callHandler calls h; a panic costs its message, not the publisher's
// connection or the process (as with hooks).
func (in *inlineSubs) callHandler(h InlineHandler, sub InlineSubscription, pk *codec.Publish) {
	defer func() {
		if r := recover(); r != nil {
			in.log.Error("inline subscription handler panicked", "filter", sub.Filter, "id", sub.ID, "panic", r)
		}
	}()
	h(sub, pk)
}

// Publish publishes a message from the server itself (the inline client).
// It is routed like a client's message; ACL hooks are not consulted.
func (s *Server) Publish(topic string, payload []byte, retain bool, qos codec.QoS) error {
	return s.PublishPacket(&codec.Publish{Topic: topic, Payload: payload, Retain: retain, QoS: qos})
}

// PublishPacket publishes pk (with its v5 properties) from the inline
// client. pk is copied.
func (s *Server) PublishPacket(pk *codec.Publish) error {
	if err := codec.ValidateTopicName(pk.Topic); err != nil {
		return fmt.Errorf("inline publish: %w", err)
	}
	if pk.QoS > 2 {
		return fmt.Errorf("inline publish to %q: QoS %d is not 0, 1 or 2", pk.Topic, pk.QoS)
	}
	m := newMessage(pk, "", s.opts.Capabilities.MaximumMessageExpiry, time.Now())
	s.publishMessage(m)
	return nil
}

// Subscribe adds an inline subscription: handler is called for every
// message matching filter (which may be a shared "$share/group/filter").
// id distinguishes several inline subscriptions to the same filter. A new
// subscription that is not shared first gets the retained messages it
// matches, on the calling goroutine, as a client's would.
func (s *Server) Subscribe(filter string, id int, handler InlineHandler) error {
	if handler == nil {
		return errors.New("inline subscribe: handler is nil")
	}
	if err := codec.ValidateTopicFilter(filter); err != nil {
		return fmt.Errorf("inline subscribe: %w", err)
	}
	group, f, _, err := codec.ParseShared(filter)
	if err != nil {
		return fmt.Errorf("inline subscribe: %w", err)
	}
	client := inlineClient(id)
	s.inline.mu.Lock()
	s.inline.handlers[client+"\x00"+group+"\x00"+f] = handler
	s.inline.mu.Unlock()
	existed := s.topics.Subscribe(topics.Sub{Client: client, Filter: f, Group: group, QoS: 2})
	if !existed {
		s.inline.count.Add(1)
	}
	if group == "" && !existed {
		// As a client's new subscription: the retained messages it
		// matches, now (never for a shared one).
		sub := InlineSubscription{Filter: filter, ID: id}
		for _, m := range s.retained.match(f, s.opts.Limits.MaxRetained) {
			pk := m.pub
			s.inline.callHandler(handler, sub, &pk)
		}
	}
	return nil
}

// Unsubscribe removes an inline subscription.
func (s *Server) Unsubscribe(filter string, id int) error {
	group, f, _, err := codec.ParseShared(filter)
	if err != nil {
		return fmt.Errorf("inline unsubscribe: %w", err)
	}
	client := inlineClient(id)
	if s.topics.Unsubscribe(client, group, f) {
		s.inline.count.Add(-1)
	}
	s.inline.mu.Lock()
	delete(s.inline.handlers, client+"\x00"+group+"\x00"+f)
	s.inline.mu.Unlock()
	return nil
}

// InjectPacket processes pk as if the connected client clientID had sent
// it: a PUBLISH is routed under that client's identity, a SUBSCRIBE adds
// subscriptions to its session, and so on. Responses go to the client.
//
// While the client's own packet is being handled (InjectPacket called
// from one of its hooks: OnSessionEstablished subscribing it to its inbox,
// say), pk is queued and processed right after that packet; InjectPacket
// then returns nil at once, and pk must not be changed afterwards. An
// error in processing it closes the connection.
func (s *Server) InjectPacket(clientID string, pk codec.Packet) error {
	s.mu.RLock()
	sess := s.sessions[clientID]
	s.mu.RUnlock()
	if sess == nil {
		return fmt.Errorf("inject packet: no session for client %q", clientID)
	}
	sess.mu.Lock()
	c := sess.conn
	sess.mu.Unlock()
	if c == nil {
		return fmt.Errorf("inject packet: client %q is not connected", clientID)
	}
	if err := pk.Validate(c.version); err != nil {
		return fmt.Errorf("inject packet for %q: %w", clientID, err)
	}
	c.injMu.Lock()
	if !c.procMu.TryLock() {
		// Held, possibly by the very hook calling us: whoever holds it
		// processes pk when it releases it (releaseProc).
		c.injected = append(c.injected, pk)
		c.injMu.Unlock()
		return nil
	}
	c.injMu.Unlock()
	err := c.processInjected(pk)
	c.releaseProc()
	if err != nil {
		return fmt.Errorf("inject packet for %q: %w", clientID, err)
	}
	return nil
}

// errInjectNotConnected refuses an injection for a connection that is not
// (or no longer) connected.
var errInjectNotConnected = errors.New("the client is not connected")

// processInjected processes an injected packet; c.procMu is held. An
// error closes the connection.
func (c *conn) processInjected(pk codec.Packet) error {
	if c.state.Load() != stateConnected {
		return errInjectNotConnected
	}
	err := c.process(pk)
	if len(c.srv.hooks.packetDone) > 0 {
		c.srv.hooks.onPacketProcessed(c.info, pk.Type(), err)
	}
	if err != nil {
		c.closeAfterFlush()
		return err
	}
	return nil
}

// releaseProc unlocks c.procMu, first processing the packets InjectPacket
// queued while it was held. procMu is released with injMu held, so an
// injection either is seen here or finds procMu free.
func (c *conn) releaseProc() {
	for {
		c.injMu.Lock()
		pks := c.injected
		c.injected = nil
		if len(pks) == 0 {
			c.procMu.Unlock()
			c.injMu.Unlock()
			return
		}
		c.injMu.Unlock()
		for _, pk := range pks {
			if err := c.processInjected(pk); err != nil && err != errInjectNotConnected {
				c.srv.log.Warn("injected packet failed; connection closed", "client", c.clientID(), "packet", pk.Type().String(), "err", err)
			}
		}
	}
}
