// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
)

// orphan is a message a shared subscription gave to a session that ended
// before its client acknowledged it.
type orphan struct {
	msg   *message
	share shareRef
}

// sharedOrphansLocked lists the QoS 1 messages shared subscriptions gave
// the session that its client has not acknowledged, sent or queued. A
// QoS 2 message is never given to another member [MQTT-4.8.2-5]: the
// client may have it, and exactly once would not hold. sess.mu held.
func (s *session) sharedOrphansLocked() []orphan {
	var out []orphan
	for _, o := range s.inflight {
		if o.share != (shareRef{}) && o.qos == 1 {
			out = append(out, orphan{msg: o.msg, share: o.share})
		}
	}
	for _, q := range s.queue {
		if q.share != (shareRef{}) && q.qos == 1 {
			out = append(out, orphan{msg: q.msg, share: q.share})
		}
	}
	return out
}

// redistribute sends each orphan to another member of its shared group,
// chosen as route chooses: for QoS 1, "If the Client's Session terminates
// before the Client reconnects, the Server SHOULD send the Application
// Message to another Client that is subscribed to the same Shared
// Subscription" (section 4.8.2). The ended session is no longer a member. Messages that
// expired meanwhile, or whose group has no member left, are dropped and
// counted. No lock may be held.
func (s *Server) redistribute(orphans []orphan) {
	if len(orphans) == 0 {
		return
	}
	now := time.Now()
	for _, o := range orphans {
		m := o.msg
		if m.expired(now) {
			continue
		}
		g := s.sharedGroup(m.pub.Topic, o.share)
		sess, sub := (*session)(nil), (*topics.Sub)(nil)
		if g != nil {
			sess, sub = s.pickMember(g, m)
		}
		switch {
		case sess != nil:
			t := newSharedTarget(sess, sub, m)
			sess.deliver(m, t.qos, t.retain, t.subIDs, t.share, nil, now)
		case sub != nil:
			s.inline.call(sub, m)
		default:
			s.stats.messagesDropped.Add(1)
			if s.debugEnabled() {
				s.debug("shared message of an ended session dropped: no member left in its group",
					"group", o.share.group, "filter", o.share.filter, "topic", clipped(m.pub.Topic))
			}
		}
	}
}

// sharedGroup returns the shared group share that topic matches, or nil.
func (s *Server) sharedGroup(topic string, share shareRef) *topics.SharedGroup {
	res := s.topics.Match(topic)
	for i := range res.Shared {
		if g := &res.Shared[i]; g.Group == share.group && g.Filter == share.filter {
			return g
		}
	}
	return nil
}

// pickMember chooses the member of g that receives m, as route does. An
// inline member comes back with a nil session and its subscription.
func (s *Server) pickMember(g *topics.SharedGroup, m *message) (*session, *topics.Sub) {
	if rr, ok := s.selector.(*roundRobin); ok {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.pickRoundRobin(g, rr)
	}
	s.mu.RLock()
	p := s.sharedCandidates(g)
	s.mu.RUnlock()
	return s.pickShared(g, &p, m) // user code: no lock held
}
