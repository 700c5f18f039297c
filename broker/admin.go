// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// SessionInfo describes a session, connected or not, as Server.Session
// and Server.Sessions return it: a snapshot, not kept up to date.
type SessionInfo struct {
	// ClientID is the session's client identifier.
	ClientID string
	// Connected is true while a client is connected to the session;
	// Client then describes the connection.
	Connected bool
	// Client is the connected client; the zero value while none is.
	Client ClientInfo
	// Username is the user name of the client that last used the session.
	Username string
	// ProtocolVersion is the protocol version the session was last used with.
	ProtocolVersion codec.Version
	// ExpiryInterval is the session expiry interval in seconds;
	// 0xFFFFFFFF: the session does not expire.
	ExpiryInterval uint32
	// ExpiresAt is when the disconnected session will be removed; zero
	// while a client is connected or when the session does not expire.
	ExpiresAt time.Time
	// WillAt is when the will of the disconnected client will be
	// published (its Will Delay Interval); zero when no will waits.
	WillAt time.Time
	// Subscriptions is how many subscriptions the session has.
	Subscriptions int
	// Queued and QueuedBytes count the messages held for later delivery:
	// while no client is connected, or while the client's receive window
	// (its Receive Maximum, Limits.MaxInflight) is full.
	Queued, QueuedBytes int
	// Inflight and InflightBytes count the QoS 1 and 2 messages sent to
	// the client (or to be resent when it reconnects) and not yet
	// acknowledged.
	Inflight, InflightBytes int
	// AwaitingRelease counts the QoS 2 messages received from the client
	// whose PUBREL has not arrived yet.
	AwaitingRelease int
}

// Session describes the session of clientID, connected or not; false
// when there is none.
func (s *Server) Session(clientID string) (SessionInfo, bool) {
	s.mu.RLock()
	sess := s.sessions[clientID]
	s.mu.RUnlock()
	if sess == nil {
		return SessionInfo{}, false
	}
	return sess.info()
}

// Sessions describes every session, connected or not, sorted by client
// identifier.
func (s *Server) Sessions() []SessionInfo {
	s.mu.RLock()
	all := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.RUnlock()
	out := make([]SessionInfo, 0, len(all))
	for _, sess := range all {
		if si, ok := sess.info(); ok {
			out = append(out, si)
		}
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return cmp.Compare(a.ClientID, b.ClientID) })
	return out
}

// info describes the session; false once it has ended.
func (s *session) info() (SessionInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return SessionInfo{}, false
	}
	si := SessionInfo{
		ClientID:        s.id,
		Username:        s.username,
		ProtocolVersion: s.version,
		ExpiryInterval:  s.expiry,
		Subscriptions:   s.subCount,
		Queued:          len(s.queue),
		QueuedBytes:     s.queueSize,
		Inflight:        len(s.inflight),
		InflightBytes:   s.inflightSize,
		AwaitingRelease: len(s.inQoS2),
	}
	if c := s.conn; c != nil {
		si.Connected, si.Client = true, *c.info
	} else {
		si.ExpiresAt = s.timer.when()
		if s.will != nil {
			si.WillAt = s.willTimer.when()
		}
	}
	return si, true
}

// Clients returns the connected clients, sorted by client identifier.
func (s *Server) Clients() []ClientInfo {
	s.mu.RLock()
	out := make([]ClientInfo, 0, len(s.sessions))
	for _, sess := range s.sessions {
		sess.mu.Lock()
		if c := sess.conn; c != nil {
			out = append(out, *c.info)
		}
		sess.mu.Unlock()
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b ClientInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Subscriptions returns the subscriptions of the session clientID,
// connected or not, sorted by filter ("$share/group/filter" for a shared
// one), as codec.Subscription values with the granted QoS and the
// subscription options; nil when there is no such session.
func (s *Server) Subscriptions(clientID string) []codec.Subscription {
	s.mu.RLock()
	_, ok := s.sessions[clientID]
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	subs := s.topics.Subscriptions(clientID)
	out := make([]codec.Subscription, 0, len(subs))
	for _, sub := range subs {
		out = append(out, codec.Subscription{Filter: sub.FullFilter(), QoS: codec.QoS(sub.QoS), NoLocal: sub.NoLocal,
			RetainAsPublished: sub.RetainAsPublished, RetainHandling: sub.RetainHandling})
	}
	slices.SortFunc(out, func(a, b codec.Subscription) int { return cmp.Compare(a.Filter, b.Filter) })
	return out
}

// Retained returns copies of the retained messages whose topics match
// filter (at most limit of them; limit <= 0: Limits.MaxRetained), in no
// particular order.
func (s *Server) Retained(filter string, limit int) ([]codec.Publish, error) {
	if err := codec.ValidateTopicFilter(filter); err != nil {
		return nil, fmt.Errorf("retained messages for %q: %w", filter, err)
	}
	if limit <= 0 {
		limit = s.opts.Limits.MaxRetained
	}
	ms := s.retained.match(filter, limit)
	out := make([]codec.Publish, 0, len(ms))
	for _, m := range ms {
		out = append(out, *m.pub.Clone())
	}
	return out, nil
}

// DisconnectClient ends the connection of the connected client clientID
// from the server side: a v5 client first receives a DISCONNECT carrying
// code (0x98 Administrative action is the usual one), a v3 client's
// connection is closed. As after any disconnection the client did not ask
// for, its will is published (after its Will Delay Interval) and its
// session is kept for its expiry interval. It returns an error when no
// client with that identifier is connected, or when code is not a reason
// code a server may send in DISCONNECT.
func (s *Server) DisconnectClient(clientID string, code codec.ReasonCode) error {
	if err := (&codec.Disconnect{ReasonCode: code}).Validate(codec.V5); err != nil || code == codec.DisconnectWithWill {
		return fmt.Errorf("disconnect client %q: %s is not a DISCONNECT reason code a server may send (0x98 administrative action is the usual one)", clientID, code)
	}
	s.mu.RLock()
	sess := s.sessions[clientID]
	s.mu.RUnlock()
	var c *conn
	if sess != nil {
		sess.mu.Lock()
		c = sess.conn
		sess.mu.Unlock()
	}
	if c == nil {
		return fmt.Errorf("disconnect client %q: no such client is connected", clientID)
	}
	c.shutdown(code)
	return nil
}
