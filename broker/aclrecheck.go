// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"github.com/wrenmq/wrenmq/broker/internal/topics"
)

// RecheckSubscriptions applies a change of what the ACL hooks allow (an
// ACL file reloaded, say) to subscriptions made before it: every
// subscription whose filter OnACLCheck no longer allows for reading is
// removed, as if the client had unsubscribed, and messages queued for the
// client on topics it may no longer read are dropped (OnPublishDropped
// with DropNotAuthorized). A connected client is checked now, with its
// connection's ClientInfo. A session without a connected client is
// checked when it next resumes, with the new connection's ClientInfo, so
// rules on the listener, the certificate or the user name apply as they
// would to a new subscription; sessions restored from storage are checked
// the same way, since the rules may have changed while the server was
// down. Messages already sent are not recalled. (Wills need no recheck:
// every will is checked again when it is published.) It returns the
// number of subscriptions removed now.
//
// Retained messages are checked too: one a client published is removed
// (from storage as well) when OnACLCheck no longer allows that client, as
// it was connected then, to publish to its topic; storage keeps the
// publisher with the message, so this holds after a restart too. Retained
// messages of the server's inline client, retained wills and those stored
// by builds that did not keep the publisher are kept, since no connection
// vouches for them.
//
// Without it, access revoked from a client keeps flowing through its
// existing subscriptions, the flaw of Mosquitto's CVE-2021-34434, and a
// retained message it can no longer publish keeps reaching new
// subscribers, the flaw of CVE-2018-12546.
func (s *Server) RecheckSubscriptions() int {
	gen := s.aclGen.Add(1)
	if n := s.recheckRetained(); n > 0 {
		s.log.Info("retained messages whose publishers may no longer publish them were removed", "messages", n)
	}
	s.mu.RLock()
	sessions := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.RUnlock()
	removed := 0
	for _, sess := range sessions {
		sess.mu.Lock()
		c := sess.conn
		sess.mu.Unlock()
		if c != nil {
			removed += s.recheckSession(sess, c.info, gen)
		}
	}
	if removed > 0 {
		s.log.Info("subscriptions no longer allowed were removed", "subscriptions", removed)
	}
	return removed
}

// recheckOnResume checks the subscriptions of the session a connection is
// about to resume when the ACL has changed since they were last checked
// (see RecheckSubscriptions).
func (s *Server) recheckOnResume(c *conn) {
	s.mu.RLock()
	sess := s.sessions[c.info.ID]
	s.mu.RUnlock()
	if sess == nil {
		return
	}
	gen := s.aclGen.Load()
	sess.mu.Lock()
	stale := sess.aclGen != gen
	sess.mu.Unlock()
	if stale {
		s.recheckSession(sess, c.info, gen)
	}
}

// recheckSession removes the subscriptions of sess that info may no longer
// read and drops its queued messages on topics info may no longer read.
// The ACL hooks are called without locks held; subscriptions made
// meanwhile were checked by their own SUBSCRIBE.
func (s *Server) recheckSession(sess *session, info *ClientInfo, gen uint64) int {
	var denied []topics.Sub
	for _, sub := range s.topics.Subscriptions(sess.id) {
		if !s.hooks.allowed(info, sub.FullFilter(), AccessRead) {
			denied = append(denied, sub)
		}
	}
	sess.mu.Lock()
	var queuedTopics map[string]bool
	for _, q := range sess.queue {
		if queuedTopics == nil {
			queuedTopics = make(map[string]bool)
		}
		queuedTopics[q.msg.pub.Topic] = true
	}
	sess.mu.Unlock()
	for topic := range queuedTopics {
		queuedTopics[topic] = s.hooks.allowed(info, topic, AccessRead)
	}

	sess.mu.Lock()
	defer sess.unlock()
	if sess.ended {
		return 0
	}
	removed := 0
	for _, sub := range denied {
		if s.topics.Unsubscribe(sess.id, sub.Group, sub.Filter) {
			full := sub.FullFilter()
			sess.subCount--
			sess.subBytes -= subscriptionCost(full)
			s.deleteSubscriptionLocked(sess, full)
			removed++
		}
	}
	kept := sess.queue[:0]
	for _, q := range sess.queue {
		if allowed, checked := queuedTopics[q.msg.pub.Topic]; !checked || allowed {
			kept = append(kept, q) // queued meanwhile, or still readable
			continue
		}
		sess.dropQueuedLocked(q, DropNotAuthorized)
	}
	clear(sess.queue[len(kept):])
	sess.queue = kept
	if len(sess.queue) == 0 {
		sess.queue = nil
	}
	sess.aclGen = max(sess.aclGen, gen)
	sess.signalRoomLocked()
	return removed
}

// recheckRetained removes the retained messages whose publishing client
// may no longer publish to their topics and returns how many it removed.
// The ACL hooks are called without the store's lock held.
func (s *Server) recheckRetained() int {
	removed := 0
	for _, r := range s.retained.fromClients() {
		if s.hooks.allowed(r.src, r.msg.pub.Topic, AccessWrite) || !s.retained.deleteIf(r.msg) {
			continue
		}
		removed++
		if s.persist.enabled() {
			s.persist.note(s.persist.store.DeleteRetained(r.msg.pub.Topic))
		}
	}
	return removed
}
