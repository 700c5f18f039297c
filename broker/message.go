// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// message is an application message held by the broker: a private copy of
// the PUBLISH as received (without topic alias or subscription
// identifiers), its absolute expiry, and its origin. It is immutable once
// built and shared by every session it is delivered or queued to.
type message struct {
	pub     codec.Publish
	expires time.Time // zero when the message never expires
	origin  string    // client id of the publisher, "" for the server
	size    int       // approximate memory held, for queue accounting
}

// newMessage copies p (which may alias a read buffer) into a message.
func newMessage(p *codec.Publish, origin string, maxExpiry uint32, now time.Time) *message {
	m := &message{origin: origin}
	m.pub.QoS = p.QoS
	m.pub.Retain = p.Retain
	m.pub.Topic = p.Topic
	if len(p.Payload) > 0 {
		m.pub.Payload = append([]byte(nil), p.Payload...)
	}
	if hasProperties(&p.Properties) {
		m.pub.Properties = p.Properties.Clone()
		m.pub.Properties.TopicAlias = nil
		m.pub.Properties.SubscriptionIDs = nil
	}
	exp := uint32(0)
	if e := m.pub.Properties.MessageExpiry; e != nil {
		exp = *e
	}
	if maxExpiry > 0 && (exp == 0 || exp > maxExpiry) {
		exp = maxExpiry
	}
	if exp > 0 {
		m.expires = now.Add(time.Duration(exp) * time.Second)
	}
	m.size = messageSize(&m.pub)
	return m
}

// messageSize approximates the memory a message holds: topic, payload and
// properties, with the per-item overhead of user properties, so that the
// byte bounds (retained store, session queues) also hold for messages
// made mostly of properties.
func messageSize(p *codec.Publish) int {
	n := 64 + len(p.Topic) + len(p.Payload)
	pr := &p.Properties
	if pr.ContentType != nil {
		n += 16 + len(*pr.ContentType)
	}
	if pr.ResponseTopic != nil {
		n += 16 + len(*pr.ResponseTopic)
	}
	n += len(pr.CorrelationData)
	for _, u := range pr.User {
		n += 32 + len(u.Key) + len(u.Value)
	}
	return n
}

// hasProperties reports whether any property is set, cheaply for the
// common case of none.
func hasProperties(p *codec.Properties) bool {
	return p.PayloadFormat != nil || p.MessageExpiry != nil || p.ContentType != nil ||
		p.ResponseTopic != nil || p.CorrelationData != nil || len(p.SubscriptionIDs) > 0 ||
		p.TopicAlias != nil || len(p.User) > 0
}

// expired reports whether the message's expiry has passed at now.
func (m *message) expired(now time.Time) bool {
	return !m.expires.IsZero() && !now.Before(m.expires)
}

// remaining returns the message expiry interval left at now, rounded up,
// for the PUBLISH sent to a subscriber [MQTT-3.3.2-6].
func (m *message) remaining(now time.Time) uint32 {
	d := m.expires.Sub(now)
	if d <= 0 {
		// Only an inflight message being resent can be past its expiry;
		// expiry no longer applies to it [MQTT-4.3.3-7], so it goes out
		// with the smallest interval rather than 0.
		return 1
	}
	return uint32((d + time.Second - 1) / time.Second)
}

// form describes one outgoing encoding of a message.
type form struct {
	version codec.Version
	qos     codec.QoS
	retain  bool
	dup     bool
	subIDs  []uint32
	// alias is an outbound topic alias (v5); with aliasOnly the topic name
	// is left empty because the client already knows the alias.
	alias     uint16
	aliasOnly bool
}

// encodeHeader appends the PUBLISH header (everything but the payload) for
// form f at now, and reports the packet identifier's offset (-1 for QoS 0).
func (m *message) encodeHeader(dst []byte, f form, now time.Time) ([]byte, int) {
	var sc formValues
	p := m.publishFor(f, now, &sc)
	return p.AppendHeader(dst, f.version)
}

// formValues holds the per-form property values a PUBLISH points to, on
// the caller's stack rather than one allocation each per delivery.
type formValues struct {
	expiry uint32
	alias  uint16
}

// publishFor returns the PUBLISH sent in form f at now, with packet
// identifier 1 for QoS > 0 (patched per subscriber). It is a shallow copy:
// payload and properties are shared read-only; the message expiry and
// topic alias point into sc.
func (m *message) publishFor(f form, now time.Time, sc *formValues) codec.Publish {
	p := m.pub
	p.QoS = f.qos
	p.Retain = f.retain
	p.Dup = f.dup
	p.PacketID = 1 // patched per subscriber
	if f.qos == 0 {
		p.PacketID = 0
	}
	if f.version == codec.V5 {
		if !m.expires.IsZero() {
			sc.expiry = m.remaining(now)
			p.Properties.MessageExpiry = &sc.expiry
		}
		p.Properties.SubscriptionIDs = f.subIDs
		if f.alias != 0 {
			sc.alias = f.alias
			p.Properties.TopicAlias = &sc.alias
			if f.aliasOnly {
				p.Topic = "" // [MQTT-3.3.2-12] the alias stands for the topic
			}
		}
	} else {
		p.Properties = codec.Properties{}
	}
	return p
}
