// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"net"
	"strings"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/broker/storage"
)

// RecheckSubscriptions applies a change of what the ACL hooks allow (an
// ACL file reloaded, say) to subscriptions made before it: every
// subscription whose filter OnACLCheck (or OnACLReadScope) no longer
// allows for reading is removed, as if the client had unsubscribed (one
// now readable only in part stays, and each message delivered through it
// is checked from then on; a check once on stays on until the client
// subscribes again), and messages queued for the
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
		var info *ClientInfo
		sess.mu.Lock()
		if c := sess.conn; c != nil {
			info = c.info // under mu: a re-authentication may replace it
		}
		sess.mu.Unlock()
		if info != nil {
			removed += s.recheckSession(sess, info, gen, false)
		}
	}
	if removed > 0 {
		s.log.Info("subscriptions no longer allowed were removed", "subscriptions", removed)
	}
	return removed
}

// recheckOnResume checks the subscriptions of the session a connection is
// about to resume (or take over) when the ACL has changed since they were
// last checked (see RecheckSubscriptions), or when the client is not the
// one they were checked for: another user name, certificate, listener or
// address. Without it, a client reusing another user's client identifier
// inherited that user's subscriptions and messages.
func (s *Server) recheckOnResume(c *conn) {
	s.mu.RLock()
	sess := s.sessions[c.info.ID]
	s.mu.RUnlock()
	if sess == nil {
		return
	}
	gen := s.aclGen.Load()
	sess.mu.Lock()
	stale := sess.aclGen != gen || sess.checkedFor == nil || identityKey(sess.checkedFor) != identityKey(c.info)
	sess.mu.Unlock()
	if stale {
		s.recheckSession(sess, c.info, gen, true)
	}
}

// identityKey is what ACL rules may tell clients apart by: user name,
// listener, network host and certificate subject.
func identityKey(info *ClientInfo) string {
	host, _, err := net.SplitHostPort(info.Remote)
	if err != nil {
		host = info.Remote
	}
	subject := ""
	if info.CertSubject != nil {
		subject = info.CertSubject.String()
	}
	return strings.Join([]string{info.Username, info.Listener, host, subject}, "\x00")
}

// recheckSession removes the subscriptions of sess that info may no longer
// read and drops its queued messages on topics info may no longer read;
// for a session about to resume on a new connection (resuming), also its
// unacknowledged messages on such topics, which would be resent. (A
// connection that already has them keeps them: their packet identifiers
// stay in use until it acknowledges them.)
// The ACL hooks are called without locks held; subscriptions made
// meanwhile were checked by their own SUBSCRIBE.
func (s *Server) recheckSession(sess *session, info *ClientInfo, gen uint64, resuming bool) int {
	var denied, rescoped []topics.Sub
	for _, sub := range s.topics.Subscriptions(sess.id) {
		switch scope := s.hooks.readScope(info, sub.FullFilter()); {
		case scope == ReadNone, scope == ReadSome && sub.Group != "":
			denied = append(denied, sub)
		case scope == ReadSome && !sub.CheckReads:
			// Only ever turned on here: this answer may be stale by the
			// time it is applied (another client resuming the session,
			// another recheck), and a check left on is always safe, since
			// each delivery is then decided by the ACL in force.
			sub.CheckReads = true
			rescoped = append(rescoped, sub)
		}
	}
	sess.mu.Lock()
	var readable map[string]bool
	note := func(topic string) {
		if readable == nil {
			readable = make(map[string]bool)
		}
		readable[topic] = true
	}
	for _, q := range sess.queue {
		note(q.msg.pub.Topic)
	}
	if resuming {
		for _, o := range sess.inflight {
			note(o.msg.pub.Topic)
		}
	}
	sess.mu.Unlock()
	for topic := range readable {
		readable[topic] = s.hooks.allowed(info, topic, AccessRead)
	}

	sess.mu.Lock()
	defer sess.unlock()
	if sess.ended {
		return 0
	}
	if resuming {
		// From here until the client is attached, what is routed to the
		// session must be readable by it too (session.readerInfo).
		sess.resumer = info
	}
	if len(rescoped) > 0 {
		// Turn the check on in the subscriptions as they are now: the
		// client may have changed their options meanwhile.
		check := make(map[[2]string]bool, len(rescoped))
		for _, sub := range rescoped {
			check[[2]string{sub.Group, sub.Filter}] = true
		}
		for _, sub := range s.topics.Subscriptions(sess.id) {
			if check[[2]string{sub.Group, sub.Filter}] && !sub.CheckReads {
				sub.CheckReads = true
				s.topics.Subscribe(sub) // replaces it
			}
		}
	}
	removed := 0
	for _, sub := range denied {
		if s.topics.Unsubscribe(sess.id, sub.Group, sub.Filter) {
			full := sub.FullFilter()
			sess.countSubscriptionsLocked(-1, -subscriptionCost(full))
			s.deleteSubscriptionLocked(sess, full)
			removed++
		}
	}
	kept := sess.queue[:0]
	for _, q := range sess.queue {
		if allowed, checked := readable[q.msg.pub.Topic]; !checked || allowed {
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
	for i := 0; resuming && i < len(sess.inflight); {
		o := sess.inflight[i]
		if allowed, checked := readable[o.msg.pub.Topic]; !checked || allowed || o.state == awaitPubcomp {
			i++ // sent meanwhile, still readable, or only its PUBREL is left
			continue
		}
		// Not resent: the message is dropped with its packet identifier.
		s.deleteInflightLocked(sess, storage.Outbound, o.id)
		sess.removeInflightLocked(i)
		sess.noteDropLocked(o.msg, DropNotAuthorized)
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
