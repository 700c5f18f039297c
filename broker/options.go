// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"log/slog"
	"time"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// Options configure a Server. The zero value is a safe, conservative
// configuration: every field left at zero takes the default documented on
// it. Capabilities are advertised to v5 clients in CONNACK and enforced for
// every client.
type Options struct {
	// Logger receives the server's logs; slog.Default() when nil.
	Logger *slog.Logger

	// Capabilities advertised in CONNACK and enforced.
	Capabilities Capabilities

	// Limits bound memory and work per client and for the whole server.
	Limits Limits

	// ConnectTimeout is how long a new connection may take to send its
	// CONNECT packet. Default 10 s.
	ConnectTimeout time.Duration

	// WriteTimeout is how long a write to a client may block before the
	// client is considered stalled and disconnected. Default 30 s.
	WriteTimeout time.Duration

	// CloseLinger is how long a connection the server ends with a packet
	// telling the client why (a CONNACK refusing it, a DISCONNECT for a
	// protocol error) keeps reading, and discarding, what the client still
	// sends once that packet is written. Closing a socket with unread
	// input makes TCP reset the connection, and a reset can keep the
	// client from reading the packet (or fail its next write before it
	// does); lingering ends at once when the client closes, as it must on
	// that packet. Default 2 s; negative closes at once.
	CloseLinger time.Duration

	// SysInterval is the interval at which $SYS topics are published,
	// retained (in memory, never to storage): $SYS/broker/version,
	// uptime, started, clients/..., messages/..., bytes/..., packets/...,
	// subscriptions/count, as mochi-mqtt does, and Mosquitto's "retained
	// messages/count", clients/active, clients/inactive, messages/stored,
	// store/messages/count, heap/current, heap/maximum and load averages
	// (per minute, over 1, 5 and 15 minutes: $SYS/broker/load/{messages/
	// received, messages/sent, messages/dropped, bytes/received,
	// bytes/sent, packets/received, packets/sent, connections}/{1min, 5min,
	// 15min}). Default 30 s; negative disables $SYS publishing.
	SysInterval time.Duration

	// SharedSelector picks the member of a shared subscription group that
	// receives a message. Default: round-robin over connected members.
	SharedSelector SharedSelector

	// Storage, when set, persists sessions (those with a session expiry
	// interval above 0), their subscriptions, inflight and queued messages,
	// and retained messages. Serve restores its contents before any
	// listener accepts a client; Close flushes and closes it. Its Mode
	// decides whether QoS 1/2 publishes are acknowledged only once durable
	// (storage.ModeSync, the default) or at once (storage.ModeAsync).
	Storage *storage.Store

	// Compat holds switches for known client quirks.
	Compat Compat

	// ResponseInfo, when set, is sent as Response Information to v5
	// clients that request it (the basis of their response topics).
	ResponseInfo string

	// Version is reported in $SYS/broker/version. Default "dev".
	Version string
}

// Capabilities are the server features a v5 client learns from CONNACK.
// Boolean capabilities are expressed as "Disable…" so that the zero value
// enables them.
type Capabilities struct {
	// MaximumQoS is the highest QoS the server accepts and delivers: 0, 1
	// or 2. Default 2. Set MaximumQoSSet to advertise 0.
	MaximumQoS codec.QoS
	// MaximumQoSSet must be true for a MaximumQoS of 0 to take effect.
	MaximumQoSSet bool
	// DisableRetain turns retained messages off (Retain Available = 0).
	DisableRetain bool
	// DisableWildcards refuses wildcard subscriptions (0xA2).
	DisableWildcards bool
	// DisableSharedSubscriptions refuses $share subscriptions (0x9E).
	DisableSharedSubscriptions bool
	// DisableSubscriptionIDs refuses subscription identifiers (0xA1).
	DisableSubscriptionIDs bool
	// TopicAliasMaximum is the highest topic alias clients may use towards
	// the server. Each alias holds a topic name for the life of the
	// connection, so this bounds that memory. Default 32; set
	// TopicAliasMaximumSet for 0.
	TopicAliasMaximum    uint16
	TopicAliasMaximumSet bool
	// DisableOutboundTopicAliases stops the server from using topic
	// aliases towards v5 clients that accept them (by default it assigns
	// one per topic until the client's Topic Alias Maximum is reached).
	DisableOutboundTopicAliases bool
	// ReceiveMaximum is how many QoS 1 and 2 publications a client may
	// have unacknowledged towards the server. Default 1024.
	ReceiveMaximum uint16
	// MaximumPacketSize is the largest packet accepted from a client, in
	// bytes. Default 1 MiB (268,435,460 bytes is the protocol maximum).
	MaximumPacketSize uint32
	// ServerKeepAlive, when non-zero, caps the keep alive of clients: a
	// v5 client asking for more (or 0) is told to use this value in
	// CONNACK; a v3 client, which cannot be told, is refused (CONNACK
	// 0x02 identifier rejected, as Mosquitto's max_keepalive does).
	ServerKeepAlive uint16
	// MaximumSessionExpiry caps the session expiry interval clients ask
	// for, in seconds. Default 7 days. It also bounds how long v3
	// persistent sessions are kept.
	MaximumSessionExpiry uint32
	// MaximumMessageExpiry caps the message expiry of messages that carry
	// none or a longer one, in seconds; 0 means no cap.
	MaximumMessageExpiry uint32
}

// Limits bound what one client and the whole server may consume.
type Limits struct {
	// MaxClients is the number of concurrently connected clients; new
	// clients beyond it are refused with 0x89 server busy. Default 100,000.
	MaxClients int
	// MaxConnections bounds the network connections open at once, those
	// that have not sent CONNECT yet included; a connection beyond it is
	// closed at once (logged at most every 10 s). Each costs a file
	// descriptor, and running out of them also keeps storage from opening
	// its files. Default: the process's open-file limit minus a reserve for
	// listeners, logs and storage (without Storage a sixteenth of the limit,
	// at most 64; with it a quarter, at most 1,024); 100,000 where the limit
	// is unknown.
	MaxConnections int
	// MaxOutboundBytes bounds each client's outbound write queue. When it
	// is full, QoS 0 messages to that client are dropped (counted, hook
	// fired) and QoS 1/2 messages wait in the session queue. Default 4 MiB.
	MaxOutboundBytes int
	// MaxInflight bounds the QoS 1/2 messages sent to a client and not yet
	// acknowledged, on top of the client's own Receive Maximum. Default 1024.
	MaxInflight int
	// MaxInflightBytes bounds the size (topics, payloads and properties)
	// of the QoS 1/2 messages sent to a client and not yet acknowledged:
	// once they reach it, further messages wait in the session queue until
	// acknowledgements make room, so a client that reads but never
	// acknowledges cannot pin MaxInflight large messages. One message is
	// always allowed in flight, whatever its size. Default 16 MiB.
	MaxInflightBytes int
	// MaxQueuedMessages bounds the messages a session holds for later
	// delivery (offline, or waiting for an inflight slot). Messages beyond
	// it are dropped and counted. Default 10,000.
	MaxQueuedMessages int
	// MaxQueuedBytes bounds the size (topics and payloads) of the
	// messages a session holds for later delivery, like MaxQueuedMessages:
	// beyond it messages are dropped and counted, and publishers are paced
	// from half of it. A message alone in the queue is always kept.
	// Default 64 MiB.
	MaxQueuedBytes int
	// MaxTotalQueuedBytes bounds MaxQueuedBytes's measure summed over all
	// sessions (a message queued for two sessions counts twice), so that
	// many sessions, offline ones above all, cannot exhaust the server's
	// memory together: beyond it no session queues another message (drops
	// counted, a warning logged at most every 10 s) until deliveries or
	// ended sessions make room. Default 1 GiB.
	MaxTotalQueuedBytes int
	// OutboundHighWater is the outbound queue size (bytes) past which a
	// publisher delivering to that client waits for it to drain to a
	// quarter of it before reading more (bounded by PublishBackpressure).
	// Default 64 KiB.
	OutboundHighWater int
	// PublishBackpressure bounds how long a QoS 1/2 publisher waits for a
	// connected subscriber whose queue it filled past half (before its
	// PUBACK/PUBREC, so its own send window paces it). A subscriber that
	// makes no room within it is treated as stalled and no longer waited
	// for. Default 2 s.
	PublishBackpressure time.Duration
	// QueueQoS0Offline also queues QoS 0 messages for offline persistent
	// sessions (the specification allows it; default off).
	QueueQoS0Offline bool
	// MaxSubscriptionsPerClient bounds subscriptions per session; beyond it
	// SUBACK carries 0x97 quota exceeded. Default 10,000.
	MaxSubscriptionsPerClient int
	// MaxSubscriptionBytes bounds the memory of a session's subscriptions,
	// counted as the filters' lengths plus 384 bytes per level (what a
	// node of the topic index takes, measured); beyond it SUBACK carries
	// 0x97 quota exceeded.
	// Default 16 MiB.
	MaxSubscriptionBytes int
	// MaxTotalSubscriptionBytes bounds MaxSubscriptionBytes's measure
	// summed over all sessions, connected or not, so that many sessions
	// cannot exhaust the server's memory with subscriptions between them:
	// beyond it a new subscription gets 0x97 quota exceeded. Default 1 GiB.
	MaxTotalSubscriptionBytes int
	// MaxTopicLevels bounds the number of levels in a topic name or
	// filter (as Mosquitto does); deeper ones are refused with 0x90 or
	// 0x8F. Default 200.
	MaxTopicLevels int
	// MaxRetained bounds the number of retained messages; beyond it new
	// retained topics are not stored (counted). Default 1,000,000.
	MaxRetained int
	// MaxRetainedBytes bounds the memory of the retained store (topics,
	// payloads and properties, each message's record, and 72 bytes per
	// topic level for the tree the store matches filters in); a retained
	// message that would exceed it is not stored (counted and logged).
	// Default 512 MiB: about 860,000 retained messages of two bytes on
	// topics such as devices/00001/state (621 bytes each as counted).
	MaxRetainedBytes int
	// MemoryLimit, when set, is the live heap (in bytes, as measured by the
	// last garbage collection, sampled every 100 ms) above which the
	// server sheds load until it falls below it again, as Mosquitto's
	// memory_limit: new connections are refused with CONNACK 0x97 quota
	// exceeded (v3: 0x03 server unavailable) and inbound messages are not
	// routed (v5 QoS 1 and 2: PUBACK/PUBREC 0x97; QoS 0: dropped and
	// counted; v3 QoS 1 and 2, which cannot be refused: the connection is
	// closed so that the client sends the message again later). It
	// bounds what no per-client limit does: many clients each holding what
	// their own limits allow (wills, topic aliases, large packets arriving
	// slowly). Default 0: no limit.
	MemoryLimit int64
}

// Compat holds switches for clients and deployments that need behaviour
// the specification allows but does not make the default.
type Compat struct {
	// ObscureNotAuthorized refuses connections, subscriptions and
	// publishes with 0x80 unspecified error instead of revealing 0x86 bad
	// user name or password / 0x87 not authorized (v5 clients only).
	ObscureNotAuthorized bool
	// AlwaysReturnResponseInfo sends ResponseInfo in CONNACK to every v5
	// client, not only to those that set Request Response Information
	// (some request/response libraries never ask).
	AlwaysReturnResponseInfo bool
}

const (
	defaultConnectTimeout   = 10 * time.Second
	defaultWriteTimeout     = 30 * time.Second
	defaultCloseLinger      = 2 * time.Second
	defaultSysInterval      = 30 * time.Second
	defaultReceiveMaximum   = 1024
	defaultMaxPacketSize    = 1 << 20
	defaultSessionExpiry    = 7 * 24 * 3600
	defaultMaxClients       = 100000
	defaultOutboundBytes    = 4 << 20
	defaultMaxInflight      = 1024
	defaultMaxQueued        = 10000
	defaultMaxSubscriptions = 10000
	defaultMaxRetained      = 1000000
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	c := &o.Capabilities
	if c.MaximumQoS == 0 && !c.MaximumQoSSet {
		c.MaximumQoS = 2
	}
	if c.MaximumQoS > 2 {
		c.MaximumQoS = 2
	}
	if c.TopicAliasMaximum == 0 && !c.TopicAliasMaximumSet {
		c.TopicAliasMaximum = 32
	}
	if c.ReceiveMaximum == 0 {
		c.ReceiveMaximum = defaultReceiveMaximum
	}
	if c.MaximumPacketSize == 0 {
		c.MaximumPacketSize = defaultMaxPacketSize
	}
	if c.MaximumSessionExpiry == 0 {
		c.MaximumSessionExpiry = defaultSessionExpiry
	}
	l := &o.Limits
	if l.MaxClients <= 0 {
		l.MaxClients = defaultMaxClients
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = defaultMaxClients
		if n := openFileLimit(); n > 0 {
			reserve := min(n/16, 64)
			if o.Storage != nil {
				reserve = min(n/4, 1024) // Badger keeps many files open
			}
			l.MaxConnections = n - reserve
		}
	}
	if l.MaxOutboundBytes <= 0 {
		l.MaxOutboundBytes = defaultOutboundBytes
	}
	if l.MaxInflight <= 0 || l.MaxInflight > 65535 {
		l.MaxInflight = defaultMaxInflight
	}
	if l.MaxInflightBytes <= 0 {
		l.MaxInflightBytes = 16 << 20
	}
	if l.MaxQueuedMessages <= 0 {
		l.MaxQueuedMessages = defaultMaxQueued
	}
	if l.MaxQueuedBytes <= 0 {
		l.MaxQueuedBytes = 64 << 20
	}
	if l.MaxTotalQueuedBytes <= 0 {
		l.MaxTotalQueuedBytes = 1 << 30
	}
	if l.MaxSubscriptionsPerClient <= 0 {
		l.MaxSubscriptionsPerClient = defaultMaxSubscriptions
	}
	if l.MaxSubscriptionBytes <= 0 {
		l.MaxSubscriptionBytes = 16 << 20
	}
	if l.MaxTotalSubscriptionBytes <= 0 {
		l.MaxTotalSubscriptionBytes = 1 << 30
	}
	if l.OutboundHighWater <= 0 {
		l.OutboundHighWater = 64 << 10
	}
	if l.OutboundHighWater > l.MaxOutboundBytes/2 {
		l.OutboundHighWater = l.MaxOutboundBytes / 2
	}
	if l.PublishBackpressure <= 0 {
		l.PublishBackpressure = 2 * time.Second
	}
	if l.MaxTopicLevels <= 0 {
		l.MaxTopicLevels = 200
	}
	if l.MaxRetained <= 0 {
		l.MaxRetained = defaultMaxRetained
	}
	if l.MaxRetainedBytes <= 0 {
		l.MaxRetainedBytes = 512 << 20
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = defaultConnectTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.CloseLinger == 0 {
		o.CloseLinger = defaultCloseLinger
	}
	if o.SysInterval == 0 {
		o.SysInterval = defaultSysInterval
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}
