// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"errors"
	"strings"
	"time"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// handlePublish handles a PUBLISH from a client. p aliases the read buffer;
// newMessage copies what is kept.
func (c *conn) handlePublish(p *codec.Publish) error {
	s := c.srv
	caps := &s.opts.Capabilities
	s.stats.messagesIn.Add(1)
	if len(p.Properties.SubscriptionIDs) > 0 {
		// A Subscription Identifier only flows from server to client
		// [MQTT-3.3.4-6].
		return c.protocolError(&codec.Error{Packet: codec.PUBLISH, Field: "subscription identifier", Code: codec.ProtocolError,
			Err: errors.New("a client PUBLISH must not carry a subscription identifier")})
	}
	if p.QoS > caps.MaximumQoS {
		// [MQTT-3.2.2-11]
		return c.protocolError(&codec.Error{Packet: codec.PUBLISH, Field: "QoS", Code: codec.QoSNotSupported,
			Err: errors.New("QoS above the server's maximum")})
	}
	if p.Retain && caps.DisableRetain {
		// [MQTT-3.2.2-14]
		return c.protocolError(&codec.Error{Packet: codec.PUBLISH, Field: "retain", Code: codec.RetainNotSupported,
			Err: errors.New("retain is not available")})
	}
	if err := c.resolveAlias(p); err != nil {
		return c.protocolError(err)
	}
	if p.QoS == 2 {
		sess := c.sess
		sess.mu.Lock()
		if _, dup := sess.inQoS2[p.PacketID]; dup {
			// Already received and routed: acknowledge again without
			// routing a second time [MQTT-4.3.3-9].
			sess.mu.Unlock()
			c.sendAck(codec.PUBREC, p.PacketID, codec.Success)
			return nil
		}
		if len(sess.inQoS2) >= int(caps.ReceiveMaximum) {
			sess.mu.Unlock()
			// [MQTT-3.3.4-9]
			return c.protocolError(&codec.Error{Packet: codec.PUBLISH, Field: "receive maximum", Code: codec.ReceiveMaximumExceeded,
				Err: errors.New("more unacknowledged QoS 2 publications than the receive maximum")})
		}
		sess.mu.Unlock()
	}
	code := c.admitPublish(p)
	ignored := code == publishIgnored
	if ignored {
		code = codec.Success
	}
	if code == codec.QuotaExceeded && c.version != codec.V5 && p.QoS > 0 && s.overMemory() {
		// v3 cannot refuse a message: the client sends it again on a
		// later connection rather than losing it to an acknowledgement.
		return errors.New("inbound message refused: the live heap is above the memory limit")
	}
	n := 0
	var bp backpressure
	if p.QoS > 0 {
		// The routed copies and the inbound QoS 2 identifier go to storage
		// in one atomic batch: after a crash either the message was routed
		// and its identifier is known (a resent PUBLISH is not routed
		// again), or neither happened and the resend is routed.
		s.persist.hold()
	}
	if code == codec.Success && !ignored {
		now := time.Now()
		m := newMessage(p, c.info.ID, caps.MaximumMessageExpiry, now)
		n, bp = s.publishFrom(c.info, m, now)
		if n == 0 && c.version == codec.V5 {
			code = codec.NoMatchingSubscribers
		}
	} else if !code.IsError() && !ignored {
		code = codec.UnspecifiedError
	}
	if p.QoS == 2 && !code.IsError() {
		// The identifier is stored right after the routed copies, so that
		// both usually share one storage batch: a restarted broker that
		// kept the copies also knows the identifier and does not route
		// the client's resent PUBLISH again [MQTT-4.3.3-9].
		sess := c.sess
		sess.mu.Lock()
		if sess.inQoS2 == nil {
			sess.inQoS2 = make(map[uint16]struct{})
		}
		sess.inQoS2[p.PacketID] = struct{}{}
		s.saveInboundLocked(sess, p.PacketID)
		sess.mu.Unlock()
	}
	if p.QoS > 0 {
		s.persist.release()
		bp.wait(c, s.opts.Limits.PublishBackpressure)
		if err := s.waitDurable(); err != nil {
			// Not durable: no acknowledgement, so the client resends.
			s.log.Error("storage write failed; PUBLISH not acknowledged", "client", c.info.ID, "err", err)
			return c.protocolError(&codec.Error{Packet: codec.PUBLISH, Field: "storage", Code: codec.ImplementationSpecificError, Err: err})
		}
	}
	if p.QoS == 0 && (len(bp.conns) > 0 || len(bp.sessions) > 0) {
		bp.wait(c, s.opts.Limits.PublishBackpressure)
	}
	switch p.QoS {
	case 1:
		c.sendAck(codec.PUBACK, p.PacketID, code)
	case 2:
		c.sendAck(codec.PUBREC, p.PacketID, code)
	}
	return nil
}

// publishIgnored is what admitPublish returns for a message an OnPublish
// hook ignores (ErrPublishIgnored); never sent.
const publishIgnored codec.ReasonCode = 0x7f

// admitPublish runs the checks that refuse one message without ending the
// connection: payload format, hooks and ACL. It returns Success, the
// reason code for the acknowledgement, or publishIgnored.
func (c *conn) admitPublish(p *codec.Publish) codec.ReasonCode {
	s := c.srv
	if s.overMemory() {
		s.stats.messagesDropped.Add(1)
		return codec.QuotaExceeded
	}
	if strings.Count(p.Topic, "/") >= s.opts.Limits.MaxTopicLevels {
		return codec.TopicNameInvalid
	}
	if isSys(p.Topic) {
		// Clients may not forge broker statistics.
		return codec.NotAuthorized
	}
	if c.version == codec.V5 && p.Properties.PayloadFormat != nil && *p.Properties.PayloadFormat == 1 && !codec.ValidUTF8(p.Payload) {
		return codec.PayloadFormatInvalid // [MQTT-3.3.2-4]
	}
	if len(s.hooks.publish) > 0 {
		qos, id := p.QoS, p.PacketID
		err := s.hooks.onPublish(c.info, p)
		// The acknowledgement the publisher waits for is for what it sent.
		p.QoS, p.PacketID = qos, id
		if errors.Is(err, ErrPublishIgnored) {
			return publishIgnored
		}
		if err != nil {
			return codec.CodeOf(err)
		}
		if err := codec.ValidateTopicName(p.Topic); err != nil {
			s.log.Warn("an OnPublish hook set an invalid topic name; message refused", "client", c.info.ID, "topic", clipped(p.Topic), "err", err)
			return codec.TopicNameInvalid
		}
	}
	if !s.hooks.allowed(c.info, p.Topic, AccessWrite) {
		if s.opts.Compat.ObscureNotAuthorized {
			return codec.UnspecifiedError
		}
		return codec.NotAuthorized
	}
	return codec.Success
}

// resolveAlias applies a topic alias from a v5 client [MQTT-3.3.2-7..12].
func (c *conn) resolveAlias(p *codec.Publish) error {
	ap := p.Properties.TopicAlias
	if ap == nil {
		if p.Topic == "" {
			return &codec.Error{Packet: codec.PUBLISH, Field: "topic name", Code: codec.ProtocolError,
				Err: errors.New("empty topic name without a topic alias")}
		}
		return nil
	}
	a := *ap
	limit := c.srv.opts.Capabilities.TopicAliasMaximum
	if a == 0 || a > limit {
		return &codec.Error{Packet: codec.PUBLISH, Field: "topic alias", Code: codec.TopicAliasInvalid,
			Err: errors.New("topic alias 0 or above the topic alias maximum")}
	}
	if p.Topic == "" {
		topic, ok := c.aliases[a]
		if !ok {
			return &codec.Error{Packet: codec.PUBLISH, Field: "topic alias", Code: codec.ProtocolError,
				Err: errors.New("topic alias not set on this connection")}
		}
		p.Topic = topic
		return nil
	}
	if c.aliases == nil {
		c.aliases = make(map[uint16]string)
	}
	c.aliases[a] = p.Topic
	return nil
}

// handlePubrel completes an inbound QoS 2 flow [MQTT-4.3.3-11].
func (c *conn) handlePubrel(p *codec.Pubrel) error {
	sess := c.sess
	sess.mu.Lock()
	_, ok := sess.inQoS2[p.PacketID]
	if ok {
		delete(sess.inQoS2, p.PacketID)
		c.srv.deleteInflightLocked(sess, storage.Inbound, p.PacketID)
	}
	sess.mu.Unlock()
	code := codec.Success
	if !ok {
		code = codec.PacketIdentifierNotFound
	}
	c.sendAck(codec.PUBCOMP, p.PacketID, code)
	return nil
}

// publishFrom publishes a message received from a client: the retained
// store is updated, the message routed, and the OnPublished hooks called.
func (s *Server) publishFrom(cl *ClientInfo, m *message, now time.Time) (int, backpressure) {
	if m.pub.Retain {
		s.retain(cl, m)
	}
	n, bp := s.route(cl, m, now)
	if len(s.hooks.published) > 0 {
		s.hooks.onPublished(s.hookClient(cl), &m.pub, n)
	}
	return n, bp
}

// hookClient is cl for a client's message and the inline client's
// ClientInfo (Inline set) for the server's own (cl nil: inline client,
// wills, $SYS), so that hooks never get a nil ClientInfo.
func (s *Server) hookClient(cl *ClientInfo) *ClientInfo {
	if cl == nil {
		return &ClientInfo{ID: "inline", Inline: true} // fresh: a hook may change it
	}
	return cl
}

// expireRetainedAt removes m from the retained store when it expires, with
// a runtime timer rather than a periodic scan [MQTT-3.3.2-5].
func (s *Server) expireRetainedAt(m *message) {
	time.AfterFunc(time.Until(m.expires), func() {
		if s.closed.Load() {
			return // no hook after OnStopped; restore skips expired messages
		}
		if !s.retained.deleteIf(m) {
			return // replaced or cleared meanwhile
		}
		if s.persist.enabled() {
			s.persist.note(s.persist.store.DeleteRetained(m.pub.Topic))
		}
		for _, h := range s.hooks.retainedExpired {
			s.hooks.guard(h, "OnRetainedExpired", func() { h.OnRetainedExpired(m.pub.Topic) })
		}
	})
}

// publishMessage publishes a message originating in the server (wills,
// inline client, $SYS).
func (s *Server) publishMessage(m *message) int {
	n, _ := s.publishFrom(nil, m, time.Now())
	return n
}

// retain stores or clears the retained message of m's topic
// [MQTT-3.3.1-5] [MQTT-3.3.1-10] [MQTT-3.3.1-11].
func (s *Server) retain(cl *ClientInfo, m *message) {
	if len(m.pub.Payload) == 0 {
		s.retained.delete(m.pub.Topic)
	} else if !s.retained.set(m, cl, s.opts.Limits.MaxRetained, s.opts.Limits.MaxRetainedBytes) {
		s.stats.messagesDropped.Add(1)
		s.warnEvery(&s.retainedFullWarned, "retained message not stored: the retained store is full (drops counted; logged at most every 10 s)",
			"topic", clipped(m.pub.Topic), "max_messages", s.opts.Limits.MaxRetained, "max_bytes", s.opts.Limits.MaxRetainedBytes)
		return
	} else if !m.expires.IsZero() {
		s.expireRetainedAt(m)
	}
	s.saveRetained(m, cl)
	for _, h := range s.hooks.retainMessage {
		s.hooks.guard(h, "OnRetainMessage", func() { h.OnRetainMessage(s.hookClient(cl), &m.pub) })
	}
}
