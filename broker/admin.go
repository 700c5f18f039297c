// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/wrenmq/wrenmq/codec"
)

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
