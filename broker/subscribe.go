// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"errors"
	"strings"
	"time"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
	"github.com/wrenmq/wrenmq/codec"
)

// handleSubscribe handles SUBSCRIBE: each filter is checked, granted or
// refused with its own reason code, SUBACK is sent [MQTT-3.8.4-1], and then
// the retained messages the new subscriptions ask for.
func (c *conn) handleSubscribe(p *codec.Subscribe) error {
	s := c.srv
	for _, h := range s.hooks.subscribe {
		s.hooks.guard(h, "OnSubscribe", func() {
			if out := h.OnSubscribe(c.info, p); out != nil {
				p = out
			}
		})
	}
	if err := c.ackFits(codec.SUBACK, len(p.Subscriptions)); err != nil {
		return c.protocolError(err)
	}
	var subID uint32
	if ids := p.Properties.SubscriptionIDs; len(ids) > 0 {
		if s.opts.Capabilities.DisableSubscriptionIDs {
			// [MQTT-3.8.2-?] refused when not available.
			return c.protocolError(&codec.Error{Packet: codec.SUBSCRIBE, Field: "subscription identifier",
				Code: codec.SubscriptionIdentifiersNotSupported, Err: errors.New("subscription identifiers are not available")})
		}
		subID = ids[0]
	}
	codes := make([]codec.ReasonCode, len(p.Subscriptions))
	var retained []retainedSend
	for i := range p.Subscriptions {
		sub := &p.Subscriptions[i]
		code, err := c.subscribeOne(sub, subID, &retained)
		if err != nil {
			return c.protocolError(err)
		}
		codes[i] = code
	}
	// [MQTT-3.8.4-2] same packet identifier; [MQTT-3.9.3-1] one code per filter.
	c.sendControl(&codec.Suback{PacketID: p.PacketID, ReasonCodes: codes})
	if len(retained) > 0 {
		now := time.Now()
		for _, r := range retained {
			var ids []uint32
			if subID != 0 {
				ids = []uint32{subID}
			}
			if sent := c.sess.deliverRetained(r.msg, r.qos, ids, now); sent != nil {
				for _, h := range s.hooks.retainPublished {
					s.hooks.guard(h, "OnRetainPublished", func() { h.OnRetainPublished(c.info, &sent.pub) })
				}
			}
		}
	}
	for _, h := range s.hooks.subscribed {
		s.hooks.guard(h, "OnSubscribed", func() { h.OnSubscribed(c.info, p, codes) })
	}
	return nil
}

// retainedSend is a retained message to send after SUBACK.
type retainedSend struct {
	msg *message
	qos codec.QoS
}

// failure returns code for v5 clients and 0x80 for v3 [MQTT-3.9.3-2 v3.1.1].
func (c *conn) failure(code codec.ReasonCode) codec.ReasonCode {
	if c.version == codec.V5 {
		if code == codec.NotAuthorized && c.srv.opts.Compat.ObscureNotAuthorized {
			return codec.UnspecifiedError
		}
		return code
	}
	return codec.UnspecifiedError
}

// subscribeOne processes one subscription of a SUBSCRIBE. A non-nil error
// is a protocol error that ends the connection.
func (c *conn) subscribeOne(sub *codec.Subscription, subID uint32, retained *[]retainedSend) (codec.ReasonCode, error) {
	s := c.srv
	caps := &s.opts.Capabilities
	if err := codec.ValidateTopicFilter(sub.Filter); err != nil {
		return c.failure(codec.TopicFilterInvalid), nil
	}
	group, filter, shared, err := codec.ParseShared(sub.Filter)
	if err != nil {
		return c.failure(codec.TopicFilterInvalid), nil
	}
	if shared {
		if caps.DisableSharedSubscriptions {
			return c.failure(codec.SharedSubscriptionsNotSupported), nil
		}
		if sub.NoLocal {
			// [MQTT-3.8.3-4]
			return 0, &codec.Error{Packet: codec.SUBSCRIBE, Field: "no local", Code: codec.ProtocolError,
				Err: errors.New("no local set on a shared subscription")}
		}
	}
	if strings.Count(filter, "/") >= s.opts.Limits.MaxTopicLevels {
		return c.failure(codec.TopicFilterInvalid), nil
	}
	if caps.DisableWildcards && strings.ContainsAny(filter, "+#") {
		return c.failure(codec.WildcardSubscriptionsNotSupported), nil
	}
	scope := s.hooks.readScope(c.info, sub.Filter)
	if scope == ReadNone || scope == ReadSome && shared {
		return c.failure(codec.NotAuthorized), nil
	}
	checkReads := scope == ReadSome
	qos := min(sub.QoS, caps.MaximumQoS) // [MQTT-3.2.2-10]
	sess := c.sess
	sess.mu.Lock()
	if sess.ended || sess.conn != c {
		// A clean-start CONNECT of this client id ended or took the
		// session while this SUBSCRIBE waited: nothing may be added to
		// it (nor to the new session under the same id).
		sess.mu.Unlock()
		return c.failure(codec.UnspecifiedError), nil
	}
	// A new subscription must fit the quotas; replacing one always does.
	cost := subscriptionCost(sub.Filter)
	if !s.topics.Has(c.info.ID, group, filter) &&
		(sess.subCount >= s.opts.Limits.MaxSubscriptionsPerClient || sess.subBytes+cost > s.opts.Limits.MaxSubscriptionBytes ||
			s.stats.subscriptionBytes.Load()+int64(cost) > int64(s.opts.Limits.MaxTotalSubscriptionBytes)) {
		sess.mu.Unlock()
		s.warnEvery(&s.quotaWarned, "subscription refused: quota exceeded (Limits.MaxSubscriptionsPerClient, MaxSubscriptionBytes or MaxTotalSubscriptionBytes; logged at most every 10 s)",
			"client", c.info.ID, "filter", clipped(sub.Filter))
		return c.failure(codec.QuotaExceeded), nil
	}
	existed := s.topics.Subscribe(topics.Sub{
		Client:            c.info.ID,
		Filter:            filter,
		Group:             group,
		QoS:               byte(qos),
		NoLocal:           sub.NoLocal,
		RetainAsPublished: sub.RetainAsPublished,
		RetainHandling:    sub.RetainHandling,
		Identifier:        subID,
		CheckReads:        checkReads,
	}) // [MQTT-3.8.4-3] a subscription with the same filter is replaced.
	if !existed {
		sess.countSubscriptionsLocked(1, cost)
	}
	s.saveSubscriptionLocked(sess, sub, qos, subID)
	sess.mu.Unlock()
	// Retained messages: never for shared subscriptions [MQTT-3.8.4-?];
	// retain handling 0 always, 1 only for a new subscription, 2 never
	// [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11].
	// A SUBSCRIBE collects no more retained messages than the client can
	// take now (retainedRoom) nor than the store can hold (MaxRetained), so
	// that SUBSCRIBEs of "#" from a client that does not read, or one
	// packet repeating "#" thousands of times, cannot make the server
	// match and drop the whole store again and again.
	if shared || caps.DisableRetain || sub.RetainHandling == 2 || sub.RetainHandling == 1 && existed {
		return codec.ReasonCode(qos), nil
	}
	room := min(s.opts.Limits.MaxRetained, c.retainedRoom(qos)) - len(*retained)
	if room <= 0 {
		return codec.ReasonCode(qos), nil
	}
	var ms []*message
	if checkReads {
		ms = c.readableRetained(filter, room)
	} else {
		ms = s.retained.match(filter, room)
	}
	if len(ms) == room && s.debugEnabled() {
		s.debug("retained messages for this SUBSCRIBE reached what the client can take now; no more are sent", "client", c.info.ID, "filter", sub.Filter)
	}
	for _, m := range ms {
		*retained = append(*retained, retainedSend{msg: m, qos: qos})
	}
	return codec.ReasonCode(qos), nil
}

// readableRetained returns up to room retained messages matching filter
// that the client may read (a subscription readable in part). Unreadable
// messages take no room: the walk is widened, doubling, until room
// readable messages are found or no more match, so that however many
// unreadable messages the walk meets first, they cannot crowd out the
// readable ones. Each message is checked once. As in Mosquitto, a filter
// matching much of a large store costs a read check per matching message.
func (c *conn) readableRetained(filter string, room int) []*message {
	s := c.srv
	checked := make(map[*message]bool)
	limit := room
	for {
		ms, full := s.retained.matchUpTo(filter, limit)
		out := ms[:0]
		for _, m := range ms {
			ok, seen := checked[m]
			if !seen {
				ok = s.hooks.allowed(c.info, m.pub.Topic, AccessRead)
				checked[m] = ok
			}
			if ok {
				out = append(out, m)
			}
		}
		if len(out) >= room || !full || limit >= s.opts.Limits.MaxRetained {
			return out[:min(len(out), room)]
		}
		limit = min(2*limit, s.opts.Limits.MaxRetained)
	}
}

// minRetainedSend is the fewest bytes a retained PUBLISH takes in the
// outbound queue (fixed header, topic length, a one-byte topic, v5
// property length), for retainedRoom.
const minRetainedSend = 6

// retainedRoom is how many retained messages at qos the client can take
// now: what fits in its outbound queue and, at QoS 1 and 2, its session
// queue and inflight window. Messages beyond it would be dropped.
func (c *conn) retainedRoom(qos codec.QoS) int {
	l := &c.srv.opts.Limits
	room := c.out.free(l.MaxOutboundBytes) / minRetainedSend
	if qos > 0 {
		sess := c.sess
		sess.mu.Lock()
		room += max(l.MaxQueuedMessages-len(sess.queue), 0) + max(l.MaxInflight-len(sess.inflight), 0)
		sess.mu.Unlock()
	}
	return room
}

// subscriptionCost approximates the memory a subscription holds: its
// filter and a node of the topic index per level (about 384 bytes each,
// measured with filters of 1 to 50 distinct levels; shared levels cost
// less, so the estimate errs high).
func subscriptionCost(filter string) int {
	return len(filter) + 384*(strings.Count(filter, "/")+1)
}

// handleUnsubscribe handles UNSUBSCRIBE [MQTT-3.10.4-4] [MQTT-3.10.4-5].
func (c *conn) handleUnsubscribe(p *codec.Unsubscribe) error {
	s := c.srv
	for _, h := range s.hooks.unsubscribe {
		s.hooks.guard(h, "OnUnsubscribe", func() {
			if out := h.OnUnsubscribe(c.info, p); out != nil {
				p = out
			}
		})
	}
	if c.version == codec.V5 { // a v3 UNSUBACK carries no codes
		if err := c.ackFits(codec.UNSUBACK, len(p.Filters)); err != nil {
			return c.protocolError(err)
		}
	}
	codes := make([]codec.ReasonCode, len(p.Filters))
	for i, f := range p.Filters {
		if err := codec.ValidateTopicFilter(f); err != nil {
			if c.version != codec.V5 {
				// A v3.1.1 UNSUBACK has no failure code: the protocol
				// violation closes the connection (v3.1.1 [MQTT-4.7.1-2]
				// [MQTT-4.7.3-1] [MQTT-4.8.0-1]).
				return c.protocolError(&codec.Error{Packet: codec.UNSUBSCRIBE, Field: "topic filter", Code: codec.ProtocolError, Err: err})
			}
			// No subscription can have it [MQTT-4.7.1-1] [MQTT-4.7.3-1].
			codes[i] = codec.TopicFilterInvalid
			continue
		}
		group, filter, _, err := codec.ParseShared(f)
		if err != nil {
			codes[i] = codec.TopicFilterInvalid
			continue
		}
		sess := c.sess
		sess.mu.Lock()
		if sess.ended || sess.conn != c {
			sess.mu.Unlock() // the session ended or was taken over meanwhile
			codes[i] = codec.NoSubscriptionExisted
			continue
		}
		if s.topics.Unsubscribe(c.info.ID, group, filter) {
			sess.countSubscriptionsLocked(-1, -subscriptionCost(f))
			s.deleteSubscriptionLocked(sess, f)
			codes[i] = codec.Success
		} else {
			codes[i] = codec.NoSubscriptionExisted
		}
		sess.mu.Unlock()
	}
	ack := &codec.Unsuback{PacketID: p.PacketID}
	if c.version == codec.V5 {
		ack.ReasonCodes = codes
	}
	c.sendControl(ack)
	for _, h := range s.hooks.unsubscribed {
		s.hooks.guard(h, "OnUnsubscribed", func() { h.OnUnsubscribed(c.info, p, codes) })
	}
	return nil
}

// handleDisconnect handles a client's DISCONNECT: a normal one discards the
// will [MQTT-3.14.4-3]; 0x04 keeps it; a v5 client may change its session
// expiry unless it connected with 0 [MQTT-3.14.2-2].
func (c *conn) handleDisconnect(d *codec.Disconnect) error {
	if c.version == codec.V5 && d.Properties.SessionExpiry != nil {
		e := *d.Properties.SessionExpiry
		if c.connectExpiry == 0 && e != 0 {
			return c.protocolError(&codec.Error{Packet: codec.DISCONNECT, Field: "session expiry interval", Code: codec.ProtocolError,
				Err: errors.New("session expiry set at DISCONNECT after connecting with 0")})
		}
		e = min(e, c.srv.opts.Capabilities.MaximumSessionExpiry)
		c.sess.mu.Lock()
		c.sess.expiry = e
		c.sess.mu.Unlock()
	}
	c.closeMu.Lock()
	// Only 0x00 discards the will [MQTT-3.14.4-3]; 0x04 asks for it, and
	// a client that ends with an error code ends abnormally: its will is
	// published [MQTT-3.1.2-8].
	c.normalEnd = c.version != codec.V5 || d.ReasonCode == codec.NormalDisconnection
	c.closeMu.Unlock()
	c.setCloseErr(errClientDisconnect)
	return errClientDisconnect
}
