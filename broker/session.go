// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// never is the session expiry interval meaning "does not expire".
const never = 0xFFFFFFFF

// outState is the state of an outbound QoS 1 or 2 message.
type outState byte

const (
	awaitPuback  outState = iota // QoS 1 PUBLISH sent
	awaitPubrec                  // QoS 2 PUBLISH sent
	awaitPubcomp                 // PUBREL sent
)

// outMsg is a QoS 1 or 2 message sent to a client and not yet acknowledged.
type outMsg struct {
	id     uint16
	msg    *message
	qos    codec.QoS
	retain bool
	subIDs []uint32
	share  shareRef // the shared subscription that chose this session, if any
	state  outState
	seq    uint64 // storage order
	// unsent marks a message of an earlier connection not yet resent on
	// this one: it waits for room in the client's Receive Maximum
	// (counted by session.unsent).
	unsent bool
}

// queued is a message waiting for delivery to a session.
type queued struct {
	msg    *message
	qos    codec.QoS
	retain bool
	subIDs []uint32
	share  shareRef // the shared subscription that chose this session, if any
	seq    uint64   // storage order
}

// shareRef names the shared subscription ($share/group/filter) through
// which a session received a message; zero for any other subscription.
// Messages it holds unacknowledged when its session ends go to another
// member of the group (see redistribute).
type shareRef struct{ group, filter string }

// session is the server-side state of a client identifier: subscriptions
// (held in the topic index), messages in flight and queued in both
// directions, and the will. It outlives connections for persistent
// sessions.
type session struct {
	id  string
	srv *Server

	// mu guards every field below. Lock order: Server.mu, then session.mu,
	// then outQueue.mu. Never held across network I/O or hook calls.
	mu           sync.Mutex
	conn         *conn // nil while no client is connected
	version      codec.Version
	expiry       uint32 // session expiry interval in seconds
	inflight     []*outMsg
	unsent       int // inflight messages not yet resent on this connection (outMsg.unsent)
	inflightSize int // bytes of the inflight messages (message.size), bounded by Limits.MaxInflightBytes
	queue        []queued
	queueSize    int // bytes of the queued messages (message.size), bounded by Limits.MaxQueuedBytes
	nextID       uint16
	inQoS2       map[uint16]struct{} // inbound QoS 2 ids awaiting PUBREL
	will         *message
	willFrom     *ClientInfo // the connection that set will; nil when restored from storage
	willDelay    uint32
	timer        *timerHandle // session expiry, nil when none
	willTimer    *timerHandle // will delay, nil when none
	ended        bool         // removed from the server; deliveries are refused
	subCount     int
	subBytes     int // subscriptionCost of every subscription, bounded by Limits.MaxSubscriptionBytes
	username     string
	seq          uint64        // last storage sequence number used
	stored       bool          // a session record was written to storage
	stalled      bool          // publishers do not wait for this session (waitForRoom)
	aclGen       uint64        // the Server.aclGen its subscriptions were last checked at; 0 when restored
	checkedFor   *ClientInfo   // the client its subscriptions were last checked for (see recheckOnResume)
	resumer      *ClientInfo   // the client about to resume it, once checked for; nil again when attached
	room         chan struct{} // closed when the queue has room again, nil when nobody waits
	// events collected under mu for hooks, fired after mu is released.
	events []sessionEvent
}

// sessionEvent is a hook call deferred until the session lock is released.
type sessionEvent struct {
	kind   eventKind
	msg    *message
	drop   DropReason
	id     uint16
	code   codec.ReasonCode
	resend bool
}

// eventKind says which hook a sessionEvent is for.
type eventKind byte

const (
	evDropped eventKind = iota
	evIDExhausted
	evQoSPublish
	evQoSDropped
	evDropWarn // a queue-full drop to log (see noteDropLocked)
)

// noteDropLocked counts a dropped message and defers its hook call.
func (s *session) noteDropLocked(m *message, why DropReason) {
	s.srv.stats.messagesDropped.Add(1)
	if why == DropQueueFull && s.srv.warnDue(&s.srv.dropWarned) {
		// Logged by unlock, with no lock held: the handler is user code.
		s.events = append(s.events, sessionEvent{kind: evDropWarn, msg: m})
	}
	if len(s.srv.hooks.publishDropped) > 0 {
		s.events = append(s.events, sessionEvent{kind: evDropped, msg: m, drop: why})
	}
}

// readerInfo returns the clients the ACL hooks check deliveries to the
// session for. The first is its connection's, or for a session without
// one the client its subscriptions were last checked for; nil for a
// session restored from storage that no client has resumed yet. The
// second, when not nil, is a client about to resume the session whose
// recheck has run: a message routed before it is attached reaches it too
// (queued, or sent to the old connection and resent), so both must be
// allowed to read it.
func (s *session) readerInfo() (*ClientInfo, *ClientInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return s.conn.info, s.resumer
	}
	return s.checkedFor, s.resumer
}

// unlock releases mu and then fires the hook events collected under it.
func (s *session) unlock() {
	ev := s.events
	s.events = nil
	s.mu.Unlock()
	hs := &s.srv.hooks
	for _, e := range ev {
		switch e.kind {
		case evDropped:
			hs.onDropped(s.id, &e.msg.pub, e.drop)
		case evIDExhausted:
			for _, h := range hs.idExhausted {
				hs.guard(h, "OnPacketIDExhausted", func() { h.OnPacketIDExhausted(s.id, &e.msg.pub) })
			}
		case evQoSPublish:
			for _, h := range hs.qosPublish {
				hs.guard(h, "OnQoSPublish", func() { h.OnQoSPublish(s.id, &e.msg.pub, e.id, e.resend) })
			}
		case evDropWarn:
			s.srv.log.Warn("messages dropped: a client's queue is full (see Limits.MaxQueuedMessages, MaxQueuedBytes and MaxOutboundBytes; counted in $SYS/broker/messages/dropped; logged at most every 10 s)",
				"client", s.id, "topic", clipped(e.msg.pub.Topic))
		case evQoSDropped:
			for _, h := range hs.qosDropped {
				hs.guard(h, "OnQoSDropped", func() { h.OnQoSDropped(s.id, e.id, e.code) })
			}
		}
	}
}

// deliver hands m to the session at qos with the given RETAIN flag and
// subscription identifiers. enc caches encodings shared by the sessions of
// one routing pass. It never blocks on the network.
func (s *session) deliver(m *message, qos codec.QoS, retain bool, subIDs []uint32, share shareRef, enc *encCache, now time.Time) bool {
	s.mu.Lock()
	defer s.unlock()
	return s.deliverLocked(m, qos, retain, subIDs, share, enc, now)
}

// deliverRetained delivers, at up to subQoS, the retained message of the
// topic of m, which a SUBSCRIBE collected: the store's current one, looked
// up under s.mu, or none once it is cleared or expired. Routing updates the
// store before it delivers, under s.mu too, so a message retained on that
// topic after the subscription was added is either sent here (and perhaps
// live as well) or delivered live after this one: the client never gets an
// older retained copy after a newer message. It returns the message sent,
// or nil.
func (s *session) deliverRetained(m *message, subQoS codec.QoS, subIDs []uint32, now time.Time) *message {
	s.mu.Lock()
	defer s.unlock()
	m = s.srv.retained.current(m.pub.Topic)
	if m == nil || m.expired(now) {
		return nil
	}
	// Retained messages sent on subscribe keep RETAIN=1 [MQTT-3.3.1-9].
	if !s.deliverLocked(m, min(subQoS, m.pub.QoS), true, subIDs, shareRef{}, nil, now) {
		return nil
	}
	return m
}

// deliverLocked is deliver with s.mu held.
func (s *session) deliverLocked(m *message, qos codec.QoS, retain bool, subIDs []uint32, share shareRef, enc *encCache, now time.Time) bool {
	if s.ended {
		return false
	}
	c := s.conn
	if c == nil {
		if qos == 0 && !s.srv.opts.Limits.QueueQoS0Offline {
			return false
		}
		return s.enqueueLocked(m, qos, retain, subIDs, share)
	}
	if qos == 0 {
		f := form{version: c.version, retain: retain, subIDs: subIDs}
		if !c.sendPublish(m, f, 0, enc, now) {
			if c.tooLarge(m, f, now) {
				s.noteDropLocked(m, DropTooLarge)
			} else {
				s.noteDropLocked(m, DropQueueFull)
			}
			return false
		}
		enc.noteOutbound(c)
		return true
	}
	if len(s.queue) > 0 || !s.windowOpenLocked(c) {
		ok := s.enqueueLocked(m, qos, retain, subIDs, share)
		if enc != nil && !s.stalled && s.queueFillLocked() >= 2 {
			// Tell the publisher to slow down (see waitForRoom).
			enc.bp.sessions = append(enc.bp.sessions, s)
		}
		return ok
	}
	ok := s.sendInflightLocked(c, queued{msg: m, qos: qos, retain: retain, subIDs: subIDs, share: share}, enc, now)
	enc.noteOutbound(c)
	return ok
}

// waitForRoom is publisher back-pressure: a QoS 1/2 publisher whose
// message filled more than half of a connected subscriber's queue waits,
// before its PUBACK/PUBREC, until that queue is below a quarter full, so
// fast publishers are paced by their subscribers instead of overflowing
// their queues. A subscriber that makes no room within
// Limits.PublishBackpressure is marked stalled: publishers stop waiting for
// it, and its queue overflows (drops counted) until it drains.
func (s *session) waitForRoom(timeout time.Duration) {
	s.mu.Lock()
	if s.stalled || s.ended || s.conn == nil || s.queueFillLocked() == 0 {
		s.mu.Unlock()
		return
	}
	if s.room == nil {
		s.room = make(chan struct{})
	}
	room := s.room
	s.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-room:
	case <-t.C:
		s.mu.Lock()
		// Publishers that waited together time out together: one warning.
		stalled := s.queueFillLocked() > 0 && !s.ended && !s.stalled
		s.stalled = s.stalled || stalled
		queued, size := len(s.queue), s.queueSize
		s.mu.Unlock()
		if stalled { // logged with no lock held: the handler is user code
			s.srv.warnEvery(&s.srv.stallWarned, "subscriber stalled: publishers no longer wait for it and its queue may overflow (logged at most every 10 s)",
				"client", s.id, "queued", queued, "queued_bytes", size)
		}
	}
}

// releaseWaitersLocked wakes publishers waiting in waitForRoom when the
// session goes offline or ends: its queue will not drain for them.
func (s *session) releaseWaitersLocked() {
	if s.room != nil {
		close(s.room)
		s.room = nil
	}
}

// signalRoomLocked wakes publishers waiting in waitForRoom once the queue
// is below a quarter full.
func (s *session) signalRoomLocked() {
	if s.queueFillLocked() > 0 {
		return
	}
	s.stalled = false
	if s.room != nil {
		close(s.room)
		s.room = nil
	}
}

// windowOpenLocked reports whether another QoS 1/2 message may be sent:
// the client's Receive Maximum [MQTT-3.3.4-7] and the server's own bounds
// (Limits.MaxInflight and MaxInflightBytes; the byte bound is checked
// before each message, so the last one sent may pass it).
func (s *session) windowOpenLocked(c *conn) bool {
	n, l := len(s.inflight), &s.srv.opts.Limits
	return n < int(c.clientReceiveMax) && n < l.MaxInflight && s.inflightSize < l.MaxInflightBytes
}

// queueFillLocked says how full the session queue is, by message count or
// bytes, whichever is fuller: 0 up to a quarter of the limits, 1 up to
// half, 2 beyond (publishers then wait, see waitForRoom).
func (s *session) queueFillLocked() int {
	l := &s.srv.opts.Limits
	switch {
	case len(s.queue) >= l.MaxQueuedMessages/2 || s.queueSize >= l.MaxQueuedBytes/2:
		return 2
	case len(s.queue) > l.MaxQueuedMessages/4 || s.queueSize > l.MaxQueuedBytes/4:
		return 1
	}
	return 0
}

// enqueueLocked queues a message for later delivery, within the bounds
// (Limits.MaxQueuedMessages and MaxQueuedBytes, where a message alone in
// the queue is always taken, and MaxTotalQueuedBytes, where it is not).
func (s *session) enqueueLocked(m *message, qos codec.QoS, retain bool, subIDs []uint32, share shareRef) bool {
	l := &s.srv.opts.Limits
	if len(s.queue) >= l.MaxQueuedMessages || (len(s.queue) > 0 && s.queueSize+m.size > l.MaxQueuedBytes) {
		s.noteDropLocked(m, DropQueueFull)
		return false
	}
	if s.srv.stats.queuedBytes.Load()+int64(m.size) > int64(l.MaxTotalQueuedBytes) {
		s.srv.warnTotalQueueFull()
		s.noteDropLocked(m, DropQueueFull)
		return false
	}
	s.seq++
	q := queued{msg: m, qos: qos, retain: retain, subIDs: subIDs, share: share, seq: s.seq}
	s.queue = append(s.queue, q)
	s.countQueuedLocked(1, m.size)
	s.srv.saveQueuedLocked(s, &q)
	return true
}

// warnTotalQueueFull logs that Limits.MaxTotalQueuedBytes is reached, at
// most every 10 seconds.
func (s *Server) warnTotalQueueFull() {
	s.warnEvery(&s.queueFullWarned, "server-wide queue bound reached: no session queues another message until deliveries make room (drops counted)",
		"queued_bytes", s.stats.queuedBytes.Load(), "max_total_queued_bytes", s.opts.Limits.MaxTotalQueuedBytes)
}

// warnEvery logs a warning at most every 10 seconds per condition (last
// holds when it was last logged), for conditions that can recur at every
// message or connection.
func (s *Server) warnEvery(last *atomic.Int64, msg string, args ...any) {
	if s.warnDue(last) {
		s.log.Warn(msg, args...)
	}
}

// warnDue reports whether a condition warnEvery logs is due for logging
// again, and if so takes the turn.
func (s *Server) warnDue(last *atomic.Int64) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	return now-prev >= int64(10*time.Second) && last.CompareAndSwap(prev, now)
}

// countSubscriptionsLocked counts n subscriptions of cost bytes in all
// (negative when removed) against the session's and the server's bounds.
// sess.mu held.
func (sess *session) countSubscriptionsLocked(n, cost int) {
	sess.subCount += n
	sess.subBytes += cost
	sess.srv.stats.subscriptionBytes.Add(int64(cost))
}

// clipped shortens a client-supplied string (a topic may be 64 KiB) for
// a log line.
func clipped(s string) string {
	const max = 256
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", strings.ToValidUTF8(s[:max], ""), len(s))
}

// dropQueuedLocked discards queued message q (already taken out of
// s.queue by the caller): its accounting, its stored record, and the drop
// count and hook.
func (s *session) dropQueuedLocked(q queued, why DropReason) {
	s.countQueuedLocked(-1, -q.msg.size)
	s.srv.deleteQueuedLocked(s, q.seq)
	s.noteDropLocked(q.msg, why)
}

// countQueuedLocked accounts for n messages of size bytes in all added to
// (or, negative, removed from) the session queue: the session's bound and
// the server's counters.
func (s *session) countQueuedLocked(n, size int) {
	s.queueSize += size
	s.srv.stats.queued.Add(int64(n))
	s.srv.stats.queuedBytes.Add(int64(size))
}

// sendInflightLocked assigns a packet identifier and sends a QoS 1/2
// message. It reports false when the message was dropped.
func (s *session) sendInflightLocked(c *conn, q queued, enc *encCache, now time.Time) bool {
	id, ok := s.newIDLocked()
	if !ok {
		// Every identifier is in use: keep the message queued.
		if len(s.srv.hooks.idExhausted) > 0 {
			s.events = append(s.events, sessionEvent{kind: evIDExhausted, msg: q.msg})
		}
		s.requeueLocked(q)
		return true
	}
	st := awaitPuback
	if q.qos == 2 {
		st = awaitPubrec
	}
	s.seq++
	o := &outMsg{id: id, msg: q.msg, qos: q.qos, retain: q.retain, subIDs: q.subIDs, share: q.share, state: st, seq: s.seq}
	// The stored state moves from queued to inflight before the PUBLISH is
	// queued, so that the connection's writer, which waits for durability
	// in sync mode, never sends a packet identifier that a restarted
	// broker would not know, nor leaves a stored copy behind that it would
	// deliver a second time.
	s.srv.saveInflightLocked(s, o)
	if q.seq != 0 {
		s.srv.deleteQueuedLocked(s, q.seq)
	}
	f := form{version: c.version, qos: q.qos, retain: q.retain, subIDs: q.subIDs}
	if !c.sendPublish(q.msg, f, id, enc, now) {
		s.srv.deleteInflightLocked(s, storage.Outbound, id)
		if c.tooLarge(q.msg, f, now) {
			s.noteDropLocked(q.msg, DropTooLarge)
			return false
		}
		// The outbound queue is full: wait for it to drain.
		if q.seq != 0 {
			s.srv.saveQueuedLocked(s, &q) // put its record back
		}
		s.requeueLocked(q)
		return true
	}
	s.inflight = append(s.inflight, o)
	s.inflightSize += o.msg.size
	s.srv.stats.inflight.Add(1)
	if len(s.srv.hooks.qosPublish) > 0 {
		s.events = append(s.events, sessionEvent{kind: evQoSPublish, msg: q.msg, id: id})
	}
	return true
}

// requeueLocked puts back a message that could not be sent now.
func (s *session) requeueLocked(q queued) {
	if q.seq == 0 {
		s.seq++
		q.seq = s.seq
		s.srv.saveQueuedLocked(s, &q)
	}
	s.queue = append(s.queue, q)
	s.countQueuedLocked(1, q.msg.size)
}

// newIDLocked returns a packet identifier not in flight.
func (s *session) newIDLocked() (uint16, bool) {
	if len(s.inflight) >= 65535 {
		return 0, false
	}
	for {
		s.nextID++
		if s.nextID == 0 {
			s.nextID = 1
		}
		if s.findLocked(s.nextID) < 0 {
			return s.nextID, true
		}
	}
}

func (s *session) findLocked(id uint16) int {
	for i, o := range s.inflight {
		if o.id == id {
			return i
		}
	}
	return -1
}

// pump moves queued messages into the inflight window while it is open and
// the connection accepts bytes. It is called after acknowledgements, after
// the outbound queue drains and after a session resumes.
func (s *session) pump(c *conn) {
	s.mu.Lock()
	defer s.unlock()
	s.pumpLocked(c)
}

func (s *session) pumpLocked(c *conn) {
	if s.conn != c || c == nil || s.ended {
		return
	}
	if s.unsent > 0 {
		// Messages of an earlier connection go first.
		s.resendLocked(c)
		if s.unsent > 0 {
			return
		}
	}
	if len(s.queue) == 0 {
		return
	}
	// Moving a message from the queue to the inflight window is one
	// atomic storage batch, so a crash cannot duplicate or lose it.
	s.srv.persist.hold()
	defer s.srv.persist.release()
	now := time.Now()
	sent := 0
	for sent < len(s.queue) {
		q := s.queue[sent]
		if q.msg.expired(now) {
			sent++
			s.dropQueuedLocked(q, DropExpired)
			continue
		}
		if q.qos > 0 && !s.windowOpenLocked(c) {
			break
		}
		n := len(s.queue)
		if q.qos == 0 {
			if !c.sendPublish(q.msg, form{version: c.version, retain: q.retain, subIDs: q.subIDs}, 0, nil, now) {
				break
			}
			s.srv.deleteQueuedLocked(s, q.seq)
		} else {
			// sendInflightLocked deletes its queued record.
			s.sendInflightLocked(c, q, nil, now)
			if len(s.queue) > n {
				// It was put back at the end: the connection is full.
				s.queue = s.queue[:n]
				s.countQueuedLocked(-1, -q.msg.size)
				break
			}
		}
		sent++
		s.countQueuedLocked(-1, -q.msg.size)
	}
	if sent > 0 {
		defer s.signalRoomLocked()
		clear(s.queue[:sent])
		s.queue = s.queue[sent:]
		if len(s.queue) == 0 {
			s.queue = nil
		}
	}
}

// ackPuback completes a QoS 1 delivery [MQTT-4.3.2-5].
func (s *session) ackPuback(c *conn, p *codec.Puback) error {
	s.mu.Lock()
	i := s.findLocked(p.PacketID)
	if s.conn != c || i < 0 || s.inflight[i].state != awaitPuback {
		s.mu.Unlock()
		return nil // tolerate: the message may have been resent and acked twice
	}
	s.srv.deleteInflightLocked(s, storage.Outbound, p.PacketID)
	s.removeInflightLocked(i)
	s.pumpLocked(c)
	if p.ReasonCode.IsError() {
		// The client refused the message: it is discarded [MQTT-4.8.2-6].
		s.noteQoSDroppedLocked(p.PacketID, p.ReasonCode)
		s.unlock()
		return nil
	}
	s.unlock()
	s.srv.qosComplete(s.id, p.PacketID)
	return nil
}

// noteQoSDroppedLocked defers an OnQoSDropped hook call.
func (s *session) noteQoSDroppedLocked(id uint16, code codec.ReasonCode) {
	if len(s.srv.hooks.qosDropped) > 0 {
		s.events = append(s.events, sessionEvent{kind: evQoSDropped, id: id, code: code})
	}
}

// ackPubrec answers a PUBREC with PUBREL [MQTT-4.3.3-4], or ends the flow
// when the PUBREC carries an error code [MQTT-4.3.3-?].
func (s *session) ackPubrec(c *conn, p *codec.Pubrec) error {
	s.mu.Lock()
	i := s.findLocked(p.PacketID)
	if s.conn != c {
		s.mu.Unlock()
		return nil
	}
	if i < 0 {
		s.mu.Unlock()
		c.sendAck(codec.PUBREL, p.PacketID, codec.PacketIdentifierNotFound)
		return nil
	}
	if p.ReasonCode.IsError() {
		s.srv.deleteInflightLocked(s, storage.Outbound, p.PacketID)
		s.removeInflightLocked(i)
		s.pumpLocked(c)
		s.noteQoSDroppedLocked(p.PacketID, p.ReasonCode)
		s.unlock()
		return nil
	}
	if o := s.inflight[i]; o.unsent {
		// Received on an earlier connection: the PUBREL sent now is its
		// resend.
		o.unsent = false
		s.unsent--
	}
	s.inflight[i].state = awaitPubcomp
	s.srv.saveInflightLocked(s, s.inflight[i])
	s.mu.Unlock()
	c.sendAck(codec.PUBREL, p.PacketID, codec.Success)
	return nil
}

// ackPubcomp completes a QoS 2 delivery.
func (s *session) ackPubcomp(c *conn, p *codec.Pubcomp) error {
	s.mu.Lock()
	i := s.findLocked(p.PacketID)
	if s.conn != c || i < 0 || s.inflight[i].state != awaitPubcomp {
		s.mu.Unlock()
		return nil
	}
	s.srv.deleteInflightLocked(s, storage.Outbound, p.PacketID)
	s.removeInflightLocked(i)
	s.pumpLocked(c)
	s.unlock()
	s.srv.qosComplete(s.id, p.PacketID)
	return nil
}

func (s *session) removeInflightLocked(i int) {
	if s.inflight[i].unsent {
		s.unsent--
	}
	s.inflightSize -= s.inflight[i].msg.size
	copy(s.inflight[i:], s.inflight[i+1:])
	s.inflight[len(s.inflight)-1] = nil
	s.inflight = s.inflight[:len(s.inflight)-1]
	s.srv.stats.inflight.Add(-1)
}

// resumeLocked resends unacknowledged messages in their original order
// when a session resumes [MQTT-4.4.0-1] [MQTT-4.6.0-1]: PUBLISH with DUP
// set for those awaiting PUBACK or PUBREC, PUBREL for those awaiting
// PUBCOMP. They count against the new connection's Receive Maximum, which
// may be lower than the last one's [MQTT-3.3.4-9]: what does not fit is
// resent as acknowledgements free the window, before any queued message.
func (s *session) resumeLocked(c *conn) {
	for _, o := range s.inflight {
		o.unsent = true
	}
	s.unsent = len(s.inflight)
	s.pumpLocked(c) // resends first
}

// resendLocked resends the inflight messages not yet sent on c, in order,
// while c's Receive Maximum allows.
func (s *session) resendLocked(c *conn) {
	now := time.Now()
	for _, o := range s.inflight {
		if s.unsent == 0 || len(s.inflight)-s.unsent >= int(c.clientReceiveMax) {
			return
		}
		if !o.unsent {
			continue
		}
		o.unsent = false
		s.unsent--
		if o.state == awaitPubcomp {
			c.sendAck(codec.PUBREL, o.id, codec.Success)
			continue
		}
		f := form{version: c.version, qos: o.qos, retain: o.retain, dup: true, subIDs: o.subIDs}
		c.sendPublishForce(o.msg, f, o.id, now)
		if len(s.srv.hooks.qosPublish) > 0 {
			s.events = append(s.events, sessionEvent{kind: evQoSPublish, msg: o.msg, id: o.id, resend: true})
		}
	}
}

// stopTimers cancels the session's timers.
func (s *session) stopTimers() {
	s.mu.Lock()
	s.timer.stop()
	s.willTimer.stop()
	s.timer, s.willTimer = nil, nil
	s.mu.Unlock()
}

// unlockNoEvents releases mu when the caller holds Server.mu too: hook
// events are fired later, by the session's next unlock.
func (s *session) unlockNoEvents() { s.mu.Unlock() }
