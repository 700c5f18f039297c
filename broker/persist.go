// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"context"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// persister writes the durable state of persistent sessions (expiry > 0)
// and retained messages to Options.Storage. Every method is a no-op when
// no storage is configured. Writes never wait for I/O; in sync mode a QoS
// 1/2 acknowledgement waits for barrier() first.
type persister struct {
	store *storage.Store

	mu   sync.Mutex   // guards last
	last storage.Done // the most recent write; writes complete in order
}

func (p *persister) enabled() bool { return p.store != nil }

func (p *persister) note(d storage.Done) {
	p.mu.Lock()
	p.last = d
	p.mu.Unlock()
}

// hold and release bracket writes that must reach storage in one atomic
// batch (see storage.Store.Hold). They are no-ops without storage.
func (p *persister) hold() {
	if p.store != nil {
		p.store.Hold()
	}
}

func (p *persister) release() {
	if p.store != nil {
		p.store.Release()
	}
}

// waitTurn waits, with no lock held, while the store closes a batch that
// open Holds keep open (see storage.Store.WaitTurn).
func (p *persister) waitTurn() {
	if p.store != nil {
		p.store.WaitTurn()
	}
}

// waitRoom waits, with no lock and no hold, while the storage queue is
// past its bound (see storage.Store.WaitRoom): writes never wait
// themselves, since they are made under the broker's locks.
func (p *persister) waitRoom() {
	if p.store != nil {
		p.store.WaitRoom()
	}
}

// barrier returns a Done that completes once every write made before the
// call is durable (the store applies writes in order).
func (p *persister) barrier() storage.Done {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// storedMessage converts a message delivered in form (qos, retain,
// subIDs) to its stored form.
func storedMessage(m *message, qos codec.QoS, retain bool, subIDs []uint32) storage.Message {
	sm := storage.Message{Publish: m.pub, ExpiresAt: m.expires}
	sm.Publish.QoS = qos
	sm.Publish.Retain = retain
	sm.Publish.PacketID = 0
	sm.Publish.Dup = false
	if len(subIDs) > 0 {
		sm.Publish.Properties.SubscriptionIDs = subIDs
	}
	if qos > 0 {
		sm.Publish.PacketID = 1 // a stored PUBLISH of QoS > 0 needs an identifier
	}
	return sm
}

// restoredMessage converts a stored message back; qos, retain and subIDs
// are the delivery form it was stored in.
func restoredMessage(sm *storage.Message) (m *message, qos codec.QoS, retain bool, subIDs []uint32) {
	m = &message{pub: sm.Publish, expires: sm.ExpiresAt}
	qos, retain, subIDs = m.pub.QoS, m.pub.Retain, m.pub.Properties.SubscriptionIDs
	m.pub.Properties.SubscriptionIDs = nil
	m.pub.Properties.TopicAlias = nil
	m.pub.PacketID = 0
	m.pub.Dup = false
	m.size = messageSize(&m.pub)
	return m, qos, retain, subIDs
}

// persistent reports whether a session's state is stored. sess.mu held.
func (s *Server) persistent(sess *session) bool {
	return s.persist.enabled() && sess.expiry > 0 && !sess.ended
}

// saveSessionLocked stores the session record. sess.mu must be held.
func (s *Server) saveSessionLocked(sess *session, disconnectedAt time.Time) {
	// The record is built by another function, whose large frame only
	// persistent sessions pay: the connect path stays on a small stack.
	if s.persistent(sess) {
		s.putSessionLocked(sess, disconnectedAt)
	}
}

func (s *Server) putSessionLocked(sess *session, disconnectedAt time.Time) {
	rec := &storage.Session{
		ClientID:        sess.id,
		ProtocolVersion: byte(sess.version),
		Username:        sess.username,
		ExpiryInterval:  sess.expiry,
		DisconnectedAt:  disconnectedAt,
	}
	if sess.will != nil {
		rec.Will = &storage.Will{Message: storedMessage(sess.will, sess.will.pub.QoS, sess.will.pub.Retain, nil), DelayInterval: sess.willDelay}
	}
	sess.stored = true
	s.persist.note(s.persist.store.PutSession(rec))
}

// deleteSession removes every record of a client.
func (s *Server) deleteSession(id string) {
	if s.persist.enabled() {
		s.persist.note(s.persist.store.DeleteSession(id))
	}
}

// topicsSub converts a stored subscription for the topic index.
func topicsSub(client, filter, group string, sub *storage.Subscription) topics.Sub {
	return topics.Sub{Client: client, Filter: filter, Group: group, QoS: sub.QoS, NoLocal: sub.NoLocal,
		RetainAsPublished: sub.RetainAsPublished, RetainHandling: sub.RetainHandling, Identifier: sub.Identifier}
}

func (s *Server) saveSubscriptionLocked(sess *session, sub *codec.Subscription, qos codec.QoS, id uint32) {
	if !s.persistent(sess) {
		return
	}
	s.persist.note(s.persist.store.PutSubscription(&storage.Subscription{
		ClientID: sess.id, Filter: sub.Filter, QoS: byte(qos), NoLocal: sub.NoLocal,
		RetainAsPublished: sub.RetainAsPublished, RetainHandling: sub.RetainHandling, Identifier: id,
	}))
}

func (s *Server) deleteSubscriptionLocked(sess *session, filter string) {
	if s.persistent(sess) {
		s.persist.note(s.persist.store.DeleteSubscription(sess.id, filter))
	}
}

func (s *Server) saveInflightLocked(sess *session, o *outMsg) {
	if s.persistent(sess) {
		s.putInflightLocked(sess, o)
	}
}

func (s *Server) putInflightLocked(sess *session, o *outMsg) {
	rec := &storage.Inflight{ClientID: sess.id, Direction: storage.Outbound, PacketID: o.id, Seq: o.seq}
	switch o.state {
	case awaitPuback:
		rec.State = storage.AwaitingPuback
	case awaitPubrec:
		rec.State = storage.AwaitingPubrec
	case awaitPubcomp:
		rec.State = storage.AwaitingPubcomp
	}
	rec.Message = storedMessage(o.msg, o.qos, o.retain, o.subIDs)
	rec.Share = storage.Share{Group: o.share.group, Filter: o.share.filter}
	s.persist.note(s.persist.store.PutInflight(rec))
}

func (s *Server) deleteInflightLocked(sess *session, dir storage.Direction, id uint16) {
	if s.persistent(sess) {
		s.persist.note(s.persist.store.DeleteInflight(sess.id, dir, id))
	}
}

func (s *Server) saveInboundLocked(sess *session, id uint16) {
	if s.persistent(sess) {
		s.persist.note(s.persist.store.PutInflight(&storage.Inflight{
			ClientID: sess.id, Direction: storage.Inbound, PacketID: id, State: storage.AwaitingPubrel,
		}))
	}
}

func (s *Server) saveQueuedLocked(sess *session, q *queued) {
	if s.persistent(sess) {
		s.putQueuedLocked(sess, q)
	}
}

func (s *Server) putQueuedLocked(sess *session, q *queued) {
	s.persist.note(s.persist.store.PutQueued(&storage.Queued{
		ClientID: sess.id, Seq: q.seq, Message: storedMessage(q.msg, q.qos, q.retain, q.subIDs),
		Share: storage.Share{Group: q.share.group, Filter: q.share.filter},
	}))
}

func (s *Server) deleteQueuedLocked(sess *session, seq uint64) {
	if s.persistent(sess) {
		s.persist.note(s.persist.store.DeleteQueued(sess.id, seq))
	}
}

func (s *Server) saveRetained(m *message, src *ClientInfo) {
	if !s.persist.enabled() || isSys(m.pub.Topic) {
		// $SYS values describe this run: a restarted server publishes
		// its own (Mosquitto does not keep them either).
		return
	}
	if len(m.pub.Payload) == 0 {
		s.persist.note(s.persist.store.DeleteRetained(m.pub.Topic))
		return
	}
	s.persist.note(s.persist.store.PutRetained(&storage.Retained{Message: storedMessage(m, m.pub.QoS, true, nil),
		Publisher: storedPublisher(src)}))
}

// storedPublisher is the stored form of a retained message's publisher
// (nil for the server's own messages).
func storedPublisher(cl *ClientInfo) *storage.Publisher {
	if cl == nil {
		return nil
	}
	p := &storage.Publisher{ClientID: cl.ID, Username: cl.Username, Remote: cl.Remote, Listener: cl.Listener,
		ProtocolVersion: byte(cl.ProtocolVersion)}
	if cl.CertSubject != nil {
		if der, err := asn1.Marshal(cl.CertSubject.ToRDNSequence()); err == nil {
			p.CertSubject = der
		}
	}
	return p
}

// publishers rebuilds the publishers of restored retained messages, one
// ClientInfo per distinct publisher.
type publishers map[string]*ClientInfo

func (ps publishers) restore(p *storage.Publisher) *ClientInfo {
	if p == nil {
		return nil
	}
	key := strings.Join([]string{p.ClientID, p.Username, p.Remote, p.Listener, string(rune(p.ProtocolVersion)), string(p.CertSubject)}, "\x00")
	if cl := ps[key]; cl != nil {
		return cl
	}
	cl := &ClientInfo{ID: p.ClientID, Username: p.Username, Remote: p.Remote, Listener: p.Listener,
		ProtocolVersion: codec.Version(p.ProtocolVersion)}
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(p.CertSubject, &seq); len(p.CertSubject) > 0 && err == nil && len(rest) == 0 {
		cl.CertSubject = new(pkix.Name)
		cl.CertSubject.FillFromRDNSequence(&seq)
	}
	ps[key] = cl
	return cl
}

// waitDurable blocks, in sync mode, until every write so far is durable;
// a QoS 1/2 PUBLISH is acknowledged only after it. Connection writers call
// it too before each write pass, so that no PUBLISH, PUBREC, PUBREL or
// PUBCOMP reaches a client before the session state it creates or ends is
// durable: otherwise a crash could make the restarted broker resend a
// QoS 2 message the subscriber already completed, reuse a packet
// identifier the subscriber still holds, or forget an inbound QoS 2
// identifier the publisher saw acknowledged. The state must therefore be
// written before the packet is queued.
func (s *Server) waitDurable() error {
	if !s.persist.enabled() {
		return nil
	}
	d := s.persist.barrier()
	select {
	case <-d.C():
		return d.Err() // already durable: no timer
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.WriteTimeout)
	defer cancel()
	return d.Wait(ctx)
}

// restoreLocked rebuilds sessions, subscriptions, inflight and queued
// messages and retained messages from storage. It runs in Serve, with s.mu
// held, before any listener accepts a client.
func (s *Server) restoreLocked(ctx context.Context) error {
	snap, err := s.persist.store.Restore(ctx)
	if err != nil {
		return fmt.Errorf("restore from storage: %w", err)
	}
	now := time.Now()
	pubs := publishers{}
	for _, r := range snap.Retained {
		if isSys(r.Message.Publish.Topic) {
			continue // stored by earlier builds: stale
		}
		m, _, _, _ := restoredMessage(&r.Message)
		m.pub.Retain = true
		// The publisher comes back too, so that RecheckSubscriptions can
		// still remove the message when its access is revoked.
		src := pubs.restore(r.Publisher)
		if !m.expired(now) && s.retained.set(m, src, s.opts.Limits.MaxRetained, s.opts.Limits.MaxRetainedBytes) && !m.expires.IsZero() {
			s.expireRetainedAt(m)
		}
	}
	for _, rec := range snap.Sessions {
		sess := &session{id: rec.ClientID, srv: s, version: codec.Version(rec.ProtocolVersion),
			expiry: rec.ExpiryInterval, username: rec.Username, stored: true}
		if rec.Will != nil && !s.willRestorable(rec.ClientID, rec.Will.Message.Publish.Topic) {
			rec.Will = nil
		}
		if rec.Will != nil {
			sess.will, _, _, _ = restoredMessage(&rec.Will.Message)
			sess.will.pub.QoS, sess.will.pub.Retain = rec.Will.Message.Publish.QoS, rec.Will.Message.Publish.Retain
			sess.willDelay = rec.Will.DelayInterval
		}
		s.sessions[rec.ClientID] = sess
	}
	orphans := map[string]bool{}
	for _, sub := range snap.Subscriptions {
		sess := s.sessions[sub.ClientID]
		if sess == nil {
			orphans[sub.ClientID] = true
			continue
		}
		group, filter, _, err := codec.ParseShared(sub.Filter)
		if err != nil {
			continue
		}
		if !s.topics.Subscribe(topicsSub(sub.ClientID, filter, group, sub)) {
			sess.countSubscriptionsLocked(1, subscriptionCost(sub.Filter))
		}
	}
	for _, in := range snap.Inflight {
		sess := s.sessions[in.ClientID]
		if sess == nil {
			orphans[in.ClientID] = true
			continue
		}
		if in.Direction == storage.Inbound {
			if sess.inQoS2 == nil {
				sess.inQoS2 = make(map[uint16]struct{})
			}
			sess.inQoS2[in.PacketID] = struct{}{}
			continue
		}
		m, qos, retain, subIDs := restoredMessage(&in.Message)
		o := &outMsg{id: in.PacketID, msg: m, qos: qos, retain: retain, subIDs: subIDs, seq: in.Seq,
			share: shareRef{group: in.Share.Group, filter: in.Share.Filter}}
		switch in.State {
		case storage.AwaitingPubrec:
			o.state = awaitPubrec
		case storage.AwaitingPubcomp:
			o.state = awaitPubcomp
		default:
			o.state = awaitPuback
		}
		sess.inflight = append(sess.inflight, o)
		sess.inflightSize += m.size
		sess.seq = max(sess.seq, in.Seq)
		s.stats.inflight.Add(1)
	}
	for _, q := range snap.Queued {
		sess := s.sessions[q.ClientID]
		if sess == nil {
			orphans[q.ClientID] = true
			continue
		}
		m, qos, retain, subIDs := restoredMessage(&q.Message)
		sess.queue = append(sess.queue, queued{msg: m, qos: qos, retain: retain, subIDs: subIDs, seq: q.Seq,
			share: shareRef{group: q.Share.Group, filter: q.Share.Filter}})
		sess.countQueuedLocked(1, m.size)
		sess.seq = max(sess.seq, q.Seq)
	}
	for id := range orphans {
		s.deleteSession(id)
	}
	// Every restored session is offline: start its expiry clock and
	// schedule its will as if the client had just disconnected.
	for _, rec := range snap.Sessions {
		sess := s.sessions[rec.ClientID]
		s.scheduleOfflineLocked(sess, rec.DisconnectedAt, now)
	}
	s.log.Info("restored state from storage", "sessions", len(snap.Sessions), "subscriptions", len(snap.Subscriptions),
		"inflight", len(snap.Inflight), "queued", len(snap.Queued), "retained", len(snap.Retained), "skipped", len(snap.Skipped))
	return nil
}

// scheduleOfflineLocked starts the expiry and will-delay timers of a
// restored session. s.mu is held.
func (s *Server) scheduleOfflineLocked(sess *session, disconnectedAt, now time.Time) {
	if disconnectedAt.IsZero() || disconnectedAt.After(now) {
		disconnectedAt = now
	}
	gone := now.Sub(disconnectedAt)
	if sess.will != nil {
		d := time.Duration(min(sess.willDelay, sess.expiry))*time.Second - gone
		sess.willTimer = afterFunc(max(d, 0), func() { s.willDelayElapsed(sess) })
	}
	if sess.expiry != never {
		d := time.Duration(sess.expiry)*time.Second - gone
		sess.timer = afterFunc(max(d, 0), func() { s.expire(sess) })
	}
}

// willRestorable reports whether a stored will may still be published: an
// earlier build stored wills below $SYS and deeper than MaxTopicLevels,
// which CONNECT now refuses (checkWill). Others are dropped and logged.
func (s *Server) willRestorable(clientID, topic string) bool {
	if !isSys(topic) && strings.Count(topic, "/") < s.opts.Limits.MaxTopicLevels {
		return true
	}
	s.log.Warn("stored will dropped: a will may not publish below $SYS or deeper than the topic level limit",
		"client", clientID, "topic", clipped(topic))
	return false
}
