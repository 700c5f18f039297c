// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// FormatVersion is the record format version written as the first byte of
// every value. [Restore] skips records of any other version.
const FormatVersion = 1

// Message is a stored application message.
type Message struct {
	// Publish is the message as a PUBLISH packet: topic, payload, QoS,
	// retain and dup flags, packet identifier and every v5 property. It is
	// stored as given; removing the Topic Alias and Subscription
	// Identifiers that do not apply to a later delivery is the broker's job.
	Publish codec.Publish
	// ExpiresAt is when the message expires; the zero time means never. The
	// broker recomputes the Message Expiry Interval from it on delivery
	// after a restore.
	ExpiresAt time.Time
}

// Will is the will message of a session.
type Will struct {
	// Message is the will message; its properties are the will properties.
	Message Message
	// DelayInterval is the Will Delay Interval in seconds.
	DelayInterval uint32
}

// Session is the persistent state of one client's session.
type Session struct {
	// ClientID is the client identifier; it is part of the key.
	ClientID string
	// ProtocolVersion is the protocol level the client last connected with
	// (3, 4 or 5).
	ProtocolVersion byte
	// Username is the user name the client last authenticated as.
	Username string
	// ExpiryInterval is the Session Expiry Interval in seconds
	// (0xFFFFFFFF: never).
	ExpiryInterval uint32
	// Clean is the Clean Start (v5) or Clean Session (v3) flag of the
	// client's last CONNECT.
	Clean bool
	// DisconnectedAt is when the client disconnected; zero while it is
	// connected. The session expires ExpiryInterval seconds after it.
	DisconnectedAt time.Time
	// Will is the pending will message, or nil.
	Will *Will
}

// Subscription is one subscription of a session.
type Subscription struct {
	// ClientID is the subscriber; it is part of the key.
	ClientID string
	// Filter is the full topic filter including any "$share/group/"
	// prefix; it is part of the key.
	Filter string
	// QoS is the maximum QoS granted.
	QoS byte
	// NoLocal is the No Local subscription option.
	NoLocal bool
	// RetainAsPublished is the Retain As Published subscription option.
	RetainAsPublished bool
	// RetainHandling is the Retain Handling subscription option (0, 1, 2).
	RetainHandling byte
	// Identifier is the Subscription Identifier, 0 when none.
	Identifier uint32
}

// Direction tells which side sent an inflight message.
type Direction byte

// The directions of an inflight message.
const (
	// Outbound is a message the broker sent to the client.
	Outbound Direction = 1
	// Inbound is a QoS 2 message the client sent to the broker.
	Inbound Direction = 2
)

// InflightState is the step of the QoS 1 or QoS 2 flow an inflight
// message has reached.
type InflightState byte

// The states of an inflight message.
const (
	// AwaitingPuback: outbound QoS 1 PUBLISH sent, PUBACK not received.
	AwaitingPuback InflightState = 1
	// AwaitingPubrec: outbound QoS 2 PUBLISH sent, PUBREC not received.
	AwaitingPubrec InflightState = 2
	// AwaitingPubcomp: outbound PUBREL sent, PUBCOMP not received.
	AwaitingPubcomp InflightState = 3
	// AwaitingPubrel: inbound QoS 2 PUBLISH received and PUBREC sent,
	// PUBREL not received.
	AwaitingPubrel InflightState = 4
)

// Inflight is a QoS 1 or QoS 2 message whose acknowledgement flow has not
// finished.
type Inflight struct {
	// ClientID, Direction and PacketID identify the record.
	ClientID  string
	Direction Direction
	PacketID  uint16
	// State is the step of the flow the message has reached.
	State InflightState
	// Message is the message; the zero Message when the broker no longer
	// needs it (e.g. after PUBREC).
	Message Message
	// Seq orders inflight messages of a client for re-delivery.
	Seq uint64
	// Share is the shared subscription that gave the client the message,
	// if any.
	Share Share
}

// Share names a shared subscription ($share/Group/Filter). A message a
// shared subscription gave a session that ends unacknowledged goes to
// another member of the group, also after a restart.
type Share struct {
	Group, Filter string
}

// Queued is a message waiting for delivery to a session, for example while
// its client is offline.
type Queued struct {
	// ClientID and Seq identify the record; messages of one client are
	// delivered in Seq order.
	ClientID string
	Seq      uint64
	// Message is the message to deliver.
	Message Message
	// Share is the shared subscription that gave the client the message,
	// if any.
	Share Share
}

// Retained is a retained message; its key is Message.Publish.Topic.
type Retained struct {
	// Message is the retained message.
	Message Message
	// Publisher is the client that published it, kept so that its right
	// to publish there can be checked again after a restart (when access
	// rules change); nil for the server's own messages and for records
	// written by builds that did not keep it.
	Publisher *Publisher
}

// Publisher identifies the client that published a retained message, as
// it was connected then.
type Publisher struct {
	ClientID        string
	Username        string
	Remote          string // network address, e.g. "10.0.0.7:51234"
	Listener        string // listener ID
	ProtocolVersion byte
	// CertSubject is the ASN.1 DER of the TLS client certificate's
	// subject (a pkix.RDNSequence), or nil without a certificate.
	CertSubject []byte
}

// Counters are broker-wide counters kept across restarts. They are one
// record, meant to be written rarely (e.g. every minute and at shutdown).
type Counters struct {
	// ClientsTotal counts connections accepted.
	ClientsTotal uint64
	// MessagesReceived counts PUBLISH packets received.
	MessagesReceived uint64
	// MessagesSent counts PUBLISH packets sent.
	MessagesSent uint64
	// MessagesDropped counts messages dropped (queue full, expired, ...).
	MessagesDropped uint64
	// BytesReceived counts bytes read from clients.
	BytesReceived uint64
	// BytesSent counts bytes written to clients.
	BytesSent uint64
}
