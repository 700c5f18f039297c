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
	msg    *message
	share  shareRef
	client string // the client of the ended session
}

// sharedOrphansLocked lists the QoS 1 messages shared subscriptions gave
// the session that its client has not acknowledged, sent or queued. A
// QoS 2 message is never given to another member [MQTT-4.8.2-5]: the
// client may have it, and exactly once would not hold. sess.mu held.
func (s *session) sharedOrphansLocked() []orphan {
	var out []orphan
	for _, o := range s.inflight {
		if o.share != (shareRef{}) && o.qos == 1 {
			out = append(out, orphan{msg: o.msg, share: o.share, client: s.id})
		}
	}
	for _, q := range s.queue {
		if q.share != (shareRef{}) && q.qos == 1 {
			out = append(out, orphan{msg: q.msg, share: q.share, client: s.id})
		}
	}
	return out
}

// redistribute sends each orphan to another member of its shared group,
// chosen as route chooses: for QoS 1, "If the Client's Session terminates
// before the Client reconnects, the Server SHOULD send the Application
// Message to another Client that is subscribed to the same Shared
// Subscription" (section 4.8.2). The ended session is no longer a member;
// the new one passes the read checks and OnSelectSubscribers hooks as in
// route. Messages that expired meanwhile, whose group has no member left,
// or that a hook keeps from the member chosen, are dropped: counted and
// reported to OnPublishDropped for the ended session's client. No lock
// may be held.
func (s *Server) redistribute(orphans []orphan) {
	if len(orphans) == 0 {
		return
	}
	now := time.Now()
	for _, o := range orphans {
		m := o.msg
		if m.expired(now) {
			s.dropOrphan(o, DropExpired)
			continue
		}
		g := s.sharedGroup(m.pub.Topic, o.share)
		sess, sub := (*session)(nil), (*topics.Sub)(nil)
		if g != nil {
			sess, sub = s.pickMember(g, m)
		}
		if sess == nil && sub != nil {
			s.inline.call(sub, m)
			continue
		}
		var tg []target
		if sess != nil {
			tg = []target{newSharedTarget(sess, sub, m)}
			if tg[0].check {
				tg = s.dropUnreadable(m.pub.Topic, tg)
			}
			if len(s.hooks.selectSubs) > 0 && len(tg) > 0 {
				tg = s.selectRecipients(nil, m, tg)
			}
		}
		if len(tg) == 0 {
			s.dropOrphan(o, DropSessionEnded)
			continue
		}
		for _, t := range tg {
			t.sess.deliver(m, t.qos, t.retain, t.subIDs, t.share, nil, now)
		}
	}
}

// dropOrphan counts an orphan that goes to no other member and reports it.
func (s *Server) dropOrphan(o orphan, why DropReason) {
	s.stats.messagesDropped.Add(1)
	s.hooks.onDropped(o.client, &o.msg.pub, why)
	if s.debugEnabled() {
		s.debug("shared message of an ended session dropped", "client", o.client, "reason", string(why),
			"group", o.share.group, "filter", o.share.filter, "topic", clipped(o.msg.pub.Topic))
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
