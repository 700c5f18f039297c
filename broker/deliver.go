// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/codec"
)

// encCache holds the encodings of one message made during one routing
// pass, so that a message fanned out to N subscribers is encoded once per
// distinct outgoing form rather than N times. Forms with subscription
// identifiers are encoded per subscriber.
type encCache struct {
	n       int
	entries [8]encEntry
	// bp collects the subscribers this pass congested; the publisher
	// waits for them (see backpressure).
	bp backpressure
}

// backpressure lists the subscribers a publish filled past their high
// watermark: sessions whose message queue is over half full (QoS 1/2) and
// connections whose outbound byte queue is over Limits.OutboundHighWater.
// The publisher's reader waits for them to drain before it reads on, so
// fast publishers are paced by their subscribers (as TCP would pace them
// through a single-threaded broker) instead of filling memory or losing
// messages. Subscribers that make no progress within
// Limits.PublishBackpressure are marked stalled and no longer waited for.
type backpressure struct {
	sessions []*session
	conns    []*conn
}

// wait blocks until every listed subscriber has room (or stalled). self
// is the publisher's own connection, never waited for.
func (bp *backpressure) wait(self *conn, timeout time.Duration) {
	for _, sess := range bp.sessions {
		if self == nil || sess != self.sess {
			sess.waitForRoom(timeout)
		}
	}
	for _, c := range bp.conns {
		if c != self {
			c.waitForRoom(timeout)
		}
	}
}

// noteOutbound records c if its outbound queue passed the high watermark.
func (e *encCache) noteOutbound(c *conn) {
	if e == nil {
		return
	}
	q := &c.out
	q.mu.Lock()
	over := q.queued > c.srv.opts.Limits.OutboundHighWater && !q.stalled && !q.closed
	q.mu.Unlock()
	if over {
		e.bp.conns = append(e.bp.conns, c)
	}
}

// waitForRoom waits until c's outbound queue is below a quarter of the
// high watermark, or marks it stalled after timeout.
func (c *conn) waitForRoom(timeout time.Duration) {
	q := &c.out
	low := c.srv.opts.Limits.OutboundHighWater / 4
	q.mu.Lock()
	if q.stalled || q.closed || q.queued <= low {
		q.mu.Unlock()
		return
	}
	if q.room == nil {
		q.room = make(chan struct{})
	}
	room := q.room
	q.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-room:
	case <-t.C:
		q.mu.Lock()
		// Publishers that waited together time out together: one warning.
		newly := q.queued > low && !q.stalled
		if newly {
			q.stalled = true
		}
		queued := q.queued
		q.mu.Unlock()
		if newly {
			c.srv.warnEvery(&c.srv.stallWarned, "subscriber stalled: its socket does not drain; publishers no longer wait for it (logged at most every 10 s)",
				"client", c.clientID(), "queued_bytes", queued)
		}
	}
}

type encEntry struct {
	version codec.Version
	qos     codec.QoS
	retain  bool
	header  []byte // nil until a second session needs this form
	idOff   int
}

func (e *encCache) lookup(f form) *encEntry {
	if e == nil || len(f.subIDs) > 0 || f.dup || f.alias != 0 {
		return nil
	}
	v := f.version
	if v == codec.V31 {
		v = codec.V311 // identical PUBLISH encoding
	}
	for i := 0; i < e.n; i++ {
		en := &e.entries[i]
		if en.version == v && en.qos == f.qos && en.retain == f.retain {
			return en
		}
	}
	return nil
}

// store records that form f was encoded once, without keeping the bytes:
// only a second session in the same form makes a shared copy worthwhile.
func (e *encCache) store(f form, idOff int) {
	if e == nil || len(f.subIDs) > 0 || f.dup || f.alias != 0 || e.n == len(e.entries) {
		return
	}
	v := f.version
	if v == codec.V31 {
		v = codec.V311
	}
	e.entries[e.n] = encEntry{version: v, qos: f.qos, retain: f.retain, idOff: idOff}
	e.n++
}

// sendPublish queues m for the client in form f with packet identifier id.
// It reports false when the client's outbound queue is full or the packet
// exceeds the client's Maximum Packet Size [MQTT-3.1.2-24].
func (c *conn) sendPublish(m *message, f form, id uint16, enc *encCache, now time.Time) bool {
	return c.sendPublishOpt(m, f, id, enc, now, false)
}

// sendPublishForce queues a resend regardless of the queue bound.
func (c *conn) sendPublishForce(m *message, f form, id uint16, now time.Time) bool {
	return c.sendPublishOpt(m, f, id, nil, now, true)
}

func (c *conn) sendPublishOpt(m *message, f form, id uint16, enc *encCache, now time.Time, force bool) bool {
	var (
		header []byte
		idOff  int
		arr    [256]byte
	)
	if c.clientAliasMax > 0 {
		f.alias, f.aliasOnly = c.outboundAlias(m.pub.Topic)
	}
	if len(c.srv.hooks.packetEncode) > 0 {
		return c.sendPublishHooked(m, f, id, now, force)
	}
	en := enc.lookup(f)
	if en != nil && en.header != nil {
		header, idOff = en.header, en.idOff
	} else {
		header, idOff = m.encodeHeader(arr[:0], f, now)
		if en != nil {
			// The second session in this form: from now on the sessions
			// of this routing pass share one copy. (A separate slice
			// keeps arr on the stack.) A message routed to one session
			// in a form is encoded once and never copied.
			shared := append([]byte(nil), header...)
			en.header, en.idOff = shared, idOff
		} else {
			enc.store(f, idOff)
		}
	}
	if idOff >= 0 {
		// Patch the identifier into a private copy of the header.
		if &header[0] != &arr[0] {
			header = append(arr[:0], header...)
		}
		header[idOff] = byte(id >> 8)
		header[idOff+1] = byte(id)
	}
	return c.queuePublish(header, m.pub.Payload, m, f, force)
}

// sendPublishHooked encodes one PUBLISH for this client after the
// OnPacketEncode hooks, which may change any part of it.
func (c *conn) sendPublishHooked(m *message, f form, id uint16, now time.Time, force bool) bool {
	var sc formValues
	p := m.publishFor(f, now, &sc)
	if f.qos > 0 {
		p.PacketID = id
	}
	out := &p
	if q, ok := c.srv.hooks.onPacketEncode(c.info, out).(*codec.Publish); ok {
		out = q
	}
	header, _ := out.AppendHeader(nil, f.version)
	return c.queuePublish(header, out.Payload, m, f, force)
}

// queuePublish queues one encoded PUBLISH of message m in form f, unless
// it exceeds the client's Maximum Packet Size [MQTT-3.1.2-24] or the
// outbound queue refuses it, and accounts for it: the alias it
// establishes, the sent counter and the OnPacketSent hooks.
func (c *conn) queuePublish(header, payload []byte, m *message, f form, force bool) bool {
	size := len(header) + len(payload)
	if c.clientMaxPacket > 0 && size > int(c.clientMaxPacket) {
		return false
	}
	if !c.enqueue(header, payload, force, f.qos > 0) {
		return false
	}
	if f.alias != 0 && !f.aliasOnly {
		c.rememberAlias(m.pub.Topic, f.alias)
	}
	c.srv.stats.messagesOut.Add(1)
	if len(c.srv.hooks.packetSent) > 0 {
		c.srv.hooks.onPacketSent(c.info, codec.PUBLISH, size)
	}
	return true
}

// Outbound topic aliases keep their topics for the life of the
// connection: a client announcing a Topic Alias Maximum of 65,535 must not
// make the server keep 65,535 topics of up to 64 KiB each. Topics longer
// than maxAliasTopic, or beyond maxAliasBytes in all, are sent without one.
const (
	maxAliasTopic = 4 << 10
	maxAliasBytes = 64 << 10
)

// outboundAlias returns the topic alias to use for topic towards a v5
// client that accepts aliases [MQTT-3.3.2-11]: an existing one (send the
// alias alone), the next free one (send topic and alias; rememberAlias
// keeps it once queued), or 0. The session lock is held by the caller.
func (c *conn) outboundAlias(topic string) (alias uint16, known bool) {
	if a, ok := c.aliasOut[topic]; ok {
		return a, true
	}
	if len(c.aliasOut) >= int(c.clientAliasMax) || len(topic) > maxAliasTopic || c.aliasBytes+len(topic) > maxAliasBytes {
		return 0, false
	}
	return uint16(len(c.aliasOut) + 1), false
}

// rememberAlias records an alias once the PUBLISH that set it is queued.
func (c *conn) rememberAlias(topic string, alias uint16) {
	if c.aliasOut == nil {
		c.aliasOut = make(map[string]uint16)
	}
	c.aliasOut[topic] = alias
	c.aliasBytes += len(topic)
}

// tooLarge reports whether m in form f exceeds the client's maximum
// packet size.
func (c *conn) tooLarge(m *message, f form, now time.Time) bool {
	if c.clientMaxPacket == 0 {
		return false
	}
	var arr [256]byte
	h, _ := m.encodeHeader(arr[:0], f, now)
	return len(h)+len(m.pub.Payload) > int(c.clientMaxPacket)
}

// target is one session a message is routed to in a routing pass.
type target struct {
	sess   *session
	qos    codec.QoS
	retain bool
	share  shareRef // the shared group that chose the session, if any
	// check is set while every matching subscription of the session asks
	// for a read check (topics.Sub.CheckReads).
	check  bool
	subIDs []uint32
}

// route delivers m, published by cl (nil for the server), to every
// matching subscription and returns the number of sessions and inline
// subscribers it matched. Overlapping subscriptions of one client produce
// one delivery at the highest granted QoS carrying every matching
// subscription identifier [MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4]
// [MQTT-3.3.4-5]. The OnSelectSubscribers hooks may then narrow the
// sessions delivered to.
func (s *Server) route(cl *ClientInfo, m *message, now time.Time) (int, backpressure) {
	res := s.topics.Match(m.pub.Topic)
	if len(res.Subs) == 0 && len(res.Shared) == 0 {
		return 0, backpressure{}
	}
	var (
		stack [16]target
		tg    = stack[:0]
	)
	// Overlapping subscriptions of one session are merged; a linear scan
	// does it for few targets, a pooled index for many.
	var seen map[*session]int
	if len(res.Subs) > len(stack) {
		seen = seenPool.Get().(map[*session]int)
		defer func() { clear(seen); seenPool.Put(seen) }()
	}
	s.mu.RLock()
	for i := range res.Subs {
		sub := &res.Subs[i]
		if sub.NoLocal && sub.Client == m.origin { // [MQTT-3.8.3-3]
			continue
		}
		if isInline(sub.Client) {
			continue
		}
		sess := s.sessions[sub.Client]
		if sess == nil {
			continue
		}
		if seen == nil {
			tg = mergeTarget(tg, sess, sub, m)
			continue
		}
		if j, ok := seen[sess]; ok {
			mergeInto(&tg[j], sub, m)
			continue
		}
		seen[sess] = len(tg)
		tg = append(tg, newTarget(sess, sub, m))
	}
	var groups []sharedPick
	var inlineShared []*topics.Sub // inline members picked in shared groups
	rr, _ := s.selector.(*roundRobin)
	for gi := range res.Shared {
		g := &res.Shared[gi]
		if rr != nil {
			// The default selector picks without listing the members.
			if sess, sub := s.pickRoundRobin(g, rr); sess != nil {
				tg = append(tg, newSharedTarget(sess, sub, m))
			} else if sub != nil {
				inlineShared = append(inlineShared, sub)
			}
			continue
		}
		groups = append(groups, s.sharedCandidates(g))
	}
	s.mu.RUnlock()
	// The selector is user code: it runs without any lock held.
	for gi := range groups {
		if sess, sub := s.pickShared(&res.Shared[gi], &groups[gi], m); sess != nil {
			// A shared delivery is separate from the member's own
			// non-shared subscriptions.
			tg = append(tg, newSharedTarget(sess, sub, m))
		} else if sub != nil {
			inlineShared = append(inlineShared, sub)
		}
	}

	var enc encCache
	if hasReadChecks(tg) {
		tg = s.dropUnreadable(m.pub.Topic, tg)
	}
	// Every matching session counts, also one whose copy is dropped (too
	// large for it, say): the server then behaves as if it had sent the
	// message [MQTT-3.1.2-25], and its publisher is not told "no matching
	// subscribers". So does one an OnSelectSubscribers hook removes; not
	// one whose subscriptions do not let it read the topic (above).
	n := len(tg)
	if len(s.hooks.selectSubs) > 0 && n > 0 {
		tg = s.selectRecipients(cl, m, tg)
	}
	for i := range tg {
		t := &tg[i]
		t.sess.deliver(m, t.qos, t.retain, t.subIDs, t.share, &enc, now)
	}
	// Inline subscriptions are called without any lock held.
	if s.inline.count.Load() > 0 {
		for i := range res.Subs {
			if isInline(res.Subs[i].Client) {
				s.inline.call(&res.Subs[i], m)
				n++
			}
		}
		for _, sub := range inlineShared {
			s.inline.call(sub, m)
			n++
		}
	}
	return n, enc.bp
}

func newTarget(sess *session, sub *topics.Sub, m *message) target {
	t := target{sess: sess, qos: min(codec.QoS(sub.QoS), m.pub.QoS), check: sub.CheckReads}
	t.retain = sub.RetainAsPublished && m.pub.Retain // [MQTT-3.3.1-12] [MQTT-3.3.1-13]
	if sub.Identifier != 0 {
		t.subIDs = []uint32{sub.Identifier}
	}
	return t
}

// hasReadChecks reports whether a target needs a read check.
func hasReadChecks(tg []target) bool {
	for i := range tg {
		if tg[i].check {
			return true
		}
	}
	return false
}

// dropUnreadable removes, in place, the targets whose every matching
// subscription asks for a read check (granted with ReadSome) when the
// ACL hooks do not let the session's client read topic. It calls the
// hooks, so no lock may be held. A session restored from storage that no
// client has resumed yet has no client to check for: its copy is queued,
// and checked with its queue when a client resumes it (recheckOnResume).
func (s *Server) dropUnreadable(topic string, tg []target) []target {
	kept := tg[:0]
	for _, t := range tg {
		if t.check {
			reader, resumer := t.sess.readerInfo()
			if reader != nil && !s.hooks.allowed(reader, topic, AccessRead) ||
				resumer != nil && !s.hooks.allowed(resumer, topic, AccessRead) {
				continue
			}
		}
		kept = append(kept, t)
	}
	return kept
}

// newSharedTarget is the target of a shared group's chosen member.
func newSharedTarget(sess *session, sub *topics.Sub, m *message) target {
	t := newTarget(sess, sub, m)
	t.share = shareRef{group: sub.Group, filter: sub.Filter}
	return t
}

// mergeTarget adds sub's session to tg, merging with an earlier
// subscription of the same session.
func mergeTarget(tg []target, sess *session, sub *topics.Sub, m *message) []target {
	for i := range tg {
		if tg[i].sess == sess {
			mergeInto(&tg[i], sub, m)
			return tg
		}
	}
	return append(tg, newTarget(sess, sub, m))
}

// mergeInto folds another matching subscription of t's session into t.
func mergeInto(t *target, sub *topics.Sub, m *message) {
	if q := min(codec.QoS(sub.QoS), m.pub.QoS); q > t.qos {
		t.qos = q
	}
	if sub.RetainAsPublished && m.pub.Retain {
		t.retain = true
	}
	// Subscriptions made by one SUBSCRIBE share its identifier: it is
	// sent once (EMQX's interoperability suite expects that).
	if sub.Identifier != 0 && !slices.Contains(t.subIDs, sub.Identifier) {
		t.subIDs = append(t.subIDs[:len(t.subIDs):len(t.subIDs)], sub.Identifier)
	}
	t.check = t.check && sub.CheckReads
}

var seenPool = sync.Pool{New: func() any { return make(map[*session]int) }}

// sharedPick holds the candidates of one shared group for a message.
type sharedPick struct {
	members   []SharedMember
	sessions  []*session
	idx       []int
	connected int
}

// sharedCandidates lists the members of g that have a session, connected
// ones first; an inline member (nil session) counts as connected. s.mu
// must be read-locked.
func (s *Server) sharedCandidates(g *topics.SharedGroup) sharedPick {
	var p sharedPick
	for pass := 0; pass < 2; pass++ {
		for i := range g.Members {
			mb := &g.Members[i]
			sess := s.sessions[mb.Client]
			inline := isInline(mb.Client)
			if sess == nil && !inline {
				continue
			}
			online := inline || sess.online()
			if (pass == 0) != online {
				continue
			}
			if online {
				p.connected++
			}
			p.members = append(p.members, SharedMember{ClientID: mb.Client, QoS: codec.QoS(mb.QoS)})
			p.sessions = append(p.sessions, sess)
			p.idx = append(p.idx, i)
		}
	}
	return p
}

// pickRoundRobin is the default selector's choice made without listing the
// members (which costs a map lookup and a session lock per member): from a
// start that moves on by one member per message, the first connected
// member (an inline member, which comes back with a nil session and its
// subscription), or else the first with a session (an offline persistent one
// then receives the message, as with pickShared). With every member connected
// it is exact round-robin; each message costs about the members skipped
// over. s.mu must be read-locked.
func (s *Server) pickRoundRobin(g *topics.SharedGroup, rr *roundRobin) (*session, *topics.Sub) {
	n := len(g.Members)
	if n == 0 {
		return nil, nil
	}
	start := int(rr.n.Add(1) % uint64(n))
	var offline *session
	var offlineSub *topics.Sub
	for k := range n {
		mb := &g.Members[(start+k)%n]
		if isInline(mb.Client) {
			return nil, mb // always connected; the caller calls its handler
		}
		sess := s.sessions[mb.Client]
		if sess == nil {
			continue
		}
		if sess.online() {
			return sess, mb
		}
		if offline == nil {
			offline, offlineSub = sess, mb
		}
	}
	return offline, offlineSub
}

// pickShared chooses the member of a shared group that receives m: a
// connected member chosen by the selector, or an offline persistent one
// when none is connected [MQTT-4.8.2-?]. An inline member comes back with
// a nil session and its subscription.
func (s *Server) pickShared(g *topics.SharedGroup, p *sharedPick, m *message) (*session, *topics.Sub) {
	if len(p.members) == 0 {
		return nil, nil
	}
	pick := 0
	s.hooks.guard(s.selector, "SharedSelector.Select", func() {
		pick = s.selector.Select(g.Group, g.Filter, p.members, p.connected, &m.pub)
	})
	if pick < 0 || pick >= len(p.members) {
		pick = 0
	}
	return p.sessions[pick], &g.Members[p.idx[pick]]
}

// online reports whether a client is connected to the session.
func (s *session) online() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// roundRobin is the default shared-subscription selector: connected
// members in turn.
type roundRobin struct{ n atomic.Uint64 }

// Select picks connected members in turn, or the first offline member.
func (r *roundRobin) Select(_, _ string, members []SharedMember, connected int, _ *codec.Publish) int {
	if connected == 0 {
		return 0
	}
	return int(r.n.Add(1) % uint64(connected))
}

func (s *Server) qosComplete(clientID string, id uint16) {
	for _, h := range s.hooks.qosComplete {
		s.hooks.guard(h, "OnQoSComplete", func() { h.OnQoSComplete(clientID, id) })
	}
}
