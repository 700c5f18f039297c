// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"crypto/x509/pkix"
	"errors"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// Hook is anything added to a server with [Server.AddHook]. A hook
// implements only the event interfaces it needs (OnConnectAuthenticator,
// OnPublisher, ...); the server finds them with type assertions when the
// hook is added. Hooks run in the order they were added. A panic inside a
// hook is recovered and logged; it never takes the server down.
//
// Hooks are called without any server lock held, from the goroutine that
// handles the event (usually the client's reader), so a slow hook slows only
// that client. Values passed to hooks are read-only unless the method's
// documentation says the hook may change them.
type Hook interface {
	// ID names the hook in logs.
	ID() string
}

// ClientInfo is the read-only view of a client that hooks receive. It is
// created when the CONNECT packet is accepted for processing and never
// changed afterwards; hooks must not modify it.
type ClientInfo struct {
	// ID is the client identifier (the assigned one when the client sent none).
	ID string
	// Username is the CONNECT user name, or the identity an enhanced
	// authentication method established; empty when none.
	Username string
	// Remote is the remote network address, e.g. "127.0.0.1:51234".
	Remote string
	// Listener is the ID of the listener the client connected through.
	Listener string
	// ProtocolVersion is 3, 4 or 5.
	ProtocolVersion codec.Version
	// CertSubject is the subject of the verified TLS client certificate,
	// or nil when the client presented none.
	CertSubject *pkix.Name
	// Inline is true for the server's own inline client.
	Inline bool
}

// OnStartedHook is called when the server has started serving.
type OnStartedHook interface{ OnStarted() }

// OnStoppedHook is called when the server has stopped.
type OnStoppedHook interface{ OnStopped() }

// ConnectAuthenticator decides whether a client may connect. A connection is
// accepted when at least one authenticator returns codec.Success; otherwise
// the first failure code returned (0x86 bad user name or password, 0x87 not
// authorized, ...) is sent in CONNACK (mapped to the v3 return code for v3
// clients). With no authenticator every connection is refused: the server is
// deny-all by default (add AllowAll for development).
type ConnectAuthenticator interface {
	OnConnectAuthenticate(cl *ClientInfo, pk *codec.Connect) codec.ReasonCode
}

// Access is the kind of access an ACL check asks about.
type Access byte

// The kinds of access an ACL check is made for.
const (
	// AccessRead is a subscription: the topic is a topic filter, possibly
	// a shared one ("$share/group/filter"). It may be granted only if every
	// topic the filter could deliver is readable. It is also the check of
	// each delivery through a subscription an ACLScopeChecker granted in
	// part (ReadSome): the topic is then a topic name.
	AccessRead Access = 1
	// AccessWrite is a publish to a topic name.
	AccessWrite Access = 2
)

// ACLChecker decides whether a client may subscribe to a filter or publish to
// a topic (and, through a subscription an ACLScopeChecker granted in part,
// read the topic a message is delivered on). Access is granted when at
// least one checker grants it. With no checker every subscription and
// publish is refused (deny-all).
type ACLChecker interface {
	OnACLCheck(cl *ClientInfo, topic string, access Access) bool
}

// ReadScope is how much of what a topic filter matches a client may read:
// the answer of an ACLScopeChecker.
type ReadScope byte

// The read scopes of a topic filter.
const (
	// ReadNone: the client may read no topic the filter matches; the
	// subscription is refused.
	ReadNone ReadScope = iota
	// ReadSome: the client may read some of the topics the filter matches
	// and not others. The subscription is granted and every message is
	// delivered through it only if OnACLCheck allows the client to read
	// its topic (AccessRead with the topic name), as Mosquitto does. A
	// shared subscription needs ReadAll: a message its chosen member may
	// not read would be lost to the whole group.
	ReadSome
	// ReadAll: the client may read every topic the filter matches; the
	// subscription is granted.
	ReadAll
)

// ACLScopeChecker is an ACLChecker that can grant a subscription whose
// filter matches topics the client may not read, and have the server check
// each delivery instead ("#" for a client that may read everything but
// "secret/#", say). For a subscription the server asks it
// OnACLReadScope instead of OnACLCheck; publications and per-delivery
// checks still go to OnACLCheck. A subscription is granted when any
// checker grants all of it (ReadAll, or OnACLCheck true for a plain
// ACLChecker), granted with per-delivery checks when none does and one
// answers ReadSome, and refused otherwise.
type ACLScopeChecker interface {
	ACLChecker
	OnACLReadScope(cl *ClientInfo, filter string) ReadScope
}

// AuthExchange is one step of a v5 enhanced authentication exchange
// (section 4.12): the CONNECT or AUTH packet's method and data.
type AuthExchange struct {
	// Method is the Authentication Method.
	Method string
	// Data is the Authentication Data of this step (may be nil).
	Data []byte
	// Reauthenticate is true for an exchange started by the client with AUTH
	// 0x19 after the connection was established.
	Reauthenticate bool
	// Connect is the CONNECT packet of the connection (read-only).
	Connect *codec.Connect
	// State is kept by the server across the steps of one exchange for the
	// hook's own use; the hook may set it.
	State any
}

// AuthResult is an enhanced authenticator's answer to one step.
type AuthResult struct {
	// Code is codec.Success (authenticated), codec.ContinueAuthentication
	// (send Data in an AUTH packet and wait for the client's next AUTH), or a
	// failure code (0x8C bad authentication method, 0x87, 0x86, ...).
	Code codec.ReasonCode
	// Data is the Authentication Data to send to the client.
	Data []byte
	// Username, when not empty, becomes ClientInfo.Username on success.
	Username string
}

// EnhancedAuthenticator implements one or more v5 enhanced authentication
// methods. The first authenticator that supports a method handles it; a
// CONNECT with a method no hook supports is refused with 0x8C.
type EnhancedAuthenticator interface {
	SupportsAuthMethod(method string) bool
	OnEnhancedAuth(cl *ClientInfo, ex *AuthExchange) AuthResult
}

// OnConnectHook is called after authentication, before the session is
// established. Returning a non-nil error refuses the connection with the
// reason code carried by the error (codec.CodeOf), 0x80 by default.
type OnConnectHook interface {
	OnConnect(cl *ClientInfo, pk *codec.Connect) error
}

// OnSessionEstablishedHook is called once the CONNACK has been queued.
type OnSessionEstablishedHook interface {
	OnSessionEstablished(cl *ClientInfo, pk *codec.Connect, sessionPresent bool)
}

// OnDisconnectHook is called when a client's network connection ends. err
// says why (nil for a normal DISCONNECT); expired reports whether the session
// ends with the connection.
type OnDisconnectHook interface {
	OnDisconnect(cl *ClientInfo, err error, expired bool)
}

// OnPacketReadHook is called for every packet read from a client after the
// CONNECT. The hook may return a modified packet of the same type; returning
// an error closes the connection (with its reason code for v5 clients). The
// packet is valid only during the call: the server reuses the structs of
// inbound PUBLISH and PUBACK packets, so a hook that keeps one copies it.
type OnPacketReadHook interface {
	OnPacketRead(cl *ClientInfo, pk codec.Packet) (codec.Packet, error)
}

// OnPacketProcessedHook is called after every packet from a connected
// client (or injected for it with InjectPacket) was handled, with the
// error that ends the connection, if any.
type OnPacketProcessedHook interface {
	OnPacketProcessed(cl *ClientInfo, t codec.Type, err error)
}

// OnPacketEncodeHook may change a packet the server is about to send to a
// client (*codec.Publish, *codec.Puback, *codec.Suback, ...): it returns
// the packet to encode, of the same type, or nil to keep pk. With such a
// hook a PUBLISH fanned out to many clients is encoded once per client
// instead of once per form, so it costs throughput.
type OnPacketEncodeHook interface {
	OnPacketEncode(cl *ClientInfo, pk codec.Packet) codec.Packet
}

// OnPacketSentHook is called after bytes of a packet were handed to a
// client's outbound queue: the packet type and its encoded size.
type OnPacketSentHook interface {
	OnPacketSent(cl *ClientInfo, t codec.Type, size int)
}

// OnSubscribeHook may modify a SUBSCRIBE packet before it is processed.
type OnSubscribeHook interface {
	OnSubscribe(cl *ClientInfo, pk *codec.Subscribe) *codec.Subscribe
}

// OnSubscribedHook is called after a SUBSCRIBE was processed with the reason
// codes sent back.
type OnSubscribedHook interface {
	OnSubscribed(cl *ClientInfo, pk *codec.Subscribe, codes []codec.ReasonCode)
}

// OnUnsubscribeHook may modify an UNSUBSCRIBE packet before it is processed.
type OnUnsubscribeHook interface {
	OnUnsubscribe(cl *ClientInfo, pk *codec.Unsubscribe) *codec.Unsubscribe
}

// OnUnsubscribedHook is called after an UNSUBSCRIBE was processed.
type OnUnsubscribedHook interface {
	OnUnsubscribed(cl *ClientInfo, pk *codec.Unsubscribe, codes []codec.ReasonCode)
}

// OnPublishHook is called for every PUBLISH received from a client before it
// is routed. The hook may modify pk: its topic (which must stay a valid
// topic name without wildcards, or the message is refused with 0x90),
// payload, retain flag and properties. Its QoS and packet identifier
// belong to the acknowledgement the publisher waits for, and changes to
// them are undone. Returning an error rejects the message: QoS 1 and 2
// publishers receive the error's reason code (codec.CodeOf) in
// PUBACK/PUBREC; QoS 0 messages are dropped silently. Returning
// ErrPublishIgnored acknowledges the message as received (0x00) without
// routing or retaining it.
type OnPublishHook interface {
	OnPublish(cl *ClientInfo, pk *codec.Publish) error
}

// ErrPublishIgnored, returned by an OnPublish hook, has the message
// acknowledged as received but neither routed nor retained (mochi's
// CodeSuccessIgnore).
var ErrPublishIgnored = errors.New("publish ignored by a hook")

// OnPublishedHook is called after a message was routed to its subscribers.
type OnPublishedHook interface {
	OnPublished(cl *ClientInfo, pk *codec.Publish, deliveries int)
}

// OnSelectSubscribersHook may narrow the clients a publication is
// delivered to (mochi's OnSelectSubscribers). It is called once for each
// message routed (from a client, the inline client, a will or $SYS) that
// matched at least one client's session, after the overlapping
// subscriptions of each client were merged and the members of shared
// groups chosen, and before any copy is delivered or queued. No server
// lock is held. cl is the publisher, marked Inline for the server's own
// messages; pk is the routed message and is read-only.
//
// subs lists the recipients in the order the server would deliver to
// them; the hook returns the ones to deliver to, in the order to deliver
// in. It may filter subs in place, reorder it, lower a recipient's QoS or
// clear its Retain flag, and returning nil or an empty slice delivers to
// nobody. It cannot widen delivery: a recipient whose client was not in
// subs, or that repeats one already taken, is ignored; a QoS or Retain
// flag above the one given is brought back to it; SubscriptionIDs are
// sent as the server computed them whatever the hook does to them.
// Several such hooks run in the order added, each given what the previous
// one returned; a hook that panics is skipped (the next one, or the
// delivery, gets the list that hook was given), so a failing hook does not
// lose messages.
//
// A recipient the hook removes still counts as a matching subscriber, in
// the deliveries reported to OnPublished and for the v5 PUBACK or PUBREC:
// a publisher is not told 0x10 (No matching subscribers) because a policy
// filtered its message out. The server's own subscriptions (handlers
// added with Server.Subscribe) are not listed and are always called, and
// retained messages sent to a new subscription do not pass through this
// hook. With no such hook added, routing does no extra work.
type OnSelectSubscribersHook interface {
	OnSelectSubscribers(cl *ClientInfo, pk *codec.Publish, subs []Recipient) []Recipient
}

// Recipient is one client a routed publication is about to be delivered
// to, as an OnSelectSubscribers hook sees it.
type Recipient struct {
	// ClientID identifies the client's session, connected or not (an
	// offline persistent session queues the copy).
	ClientID string
	// QoS is the QoS of the copy: the lower of the published QoS and the
	// highest QoS granted to the client's matching subscriptions. A hook
	// may lower it.
	QoS codec.QoS
	// Retain is the retain flag the copy carries: set only when the
	// message is retained and a matching subscription has Retain As
	// Published. A hook may clear it.
	Retain bool
	// SubscriptionIDs are the identifiers of the client's matching
	// subscriptions that have one; read-only.
	SubscriptionIDs []uint32
	// Shared is true when the client was chosen as the member of a shared
	// subscription group to receive the message. A shared delivery is a
	// copy of its own, so a client may be listed more than once: once for
	// its own subscriptions and once per shared group that chose it.
	Shared bool

	ref int // 1 + the index of the routing target it was made from
}

// DropReason says why a message was not delivered to a client.
type DropReason string

// The reasons a message may be dropped for one subscriber.
const (
	DropQueueFull     DropReason = "queue full"
	DropTooLarge      DropReason = "packet too large for client"
	DropExpired       DropReason = "message expired"
	DropSessionEnded  DropReason = "session ended"
	DropNotAuthorized DropReason = "not authorized"
)

// OnPublishDroppedHook is called when a message is dropped for one client.
type OnPublishDroppedHook interface {
	OnPublishDropped(clientID string, pk *codec.Publish, reason DropReason)
}

// OnRetainMessageHook is called when the retained message of a topic is set
// (pk carries the payload) or cleared (empty payload).
type OnRetainMessageHook interface {
	OnRetainMessage(cl *ClientInfo, pk *codec.Publish)
}

// OnRetainedExpiredHook is called when a retained message expires.
type OnRetainedExpiredHook interface {
	OnRetainedExpired(topic string)
}

// OnQoSCompleteHook is called when an outbound QoS 1 or 2 flow to a client
// completes (PUBACK, or PUBCOMP).
type OnQoSCompleteHook interface {
	OnQoSComplete(clientID string, packetID uint16)
}

// OnQoSPublishHook is called after a QoS 1 or 2 PUBLISH was queued to a
// client with packet identifier packetID; resend is true for the DUP
// resend of an unacknowledged message when a session resumes.
type OnQoSPublishHook interface {
	OnQoSPublish(clientID string, pk *codec.Publish, packetID uint16, resend bool)
}

// OnQoSDroppedHook is called when an outbound QoS 1 or 2 flow ends without
// delivery: the client answered with a failure reason code (the message is
// discarded, [MQTT-4.8.2-6]).
type OnQoSDroppedHook interface {
	OnQoSDropped(clientID string, packetID uint16, code codec.ReasonCode)
}

// OnRetainPublishedHook is called after a retained message was sent to a
// client because of its new subscription.
type OnRetainPublishedHook interface {
	OnRetainPublished(cl *ClientInfo, pk *codec.Publish)
}

// OnPacketIDExhaustedHook is called when a client has 65,535 messages in
// flight and no packet identifier is free; the message stays queued.
type OnPacketIDExhaustedHook interface {
	OnPacketIDExhausted(clientID string, pk *codec.Publish)
}

// OnWillHook may modify a will message before it is published; returning an
// error cancels it.
type OnWillHook interface {
	OnWill(clientID string, will *codec.Publish) error
}

// OnWillSentHook is called after a will message was published.
type OnWillSentHook interface {
	OnWillSent(clientID string, will *codec.Publish)
}

// OnClientExpiredHook is called when a session expires and is removed.
type OnClientExpiredHook interface {
	OnClientExpired(clientID string)
}

// HookObserver receives the duration of every hook call (the hook's ID and
// the event), for latency metrics. Observers are called without locks and
// must be fast; hooks are timed only when at least one observer is added.
type HookObserver interface {
	ObserveHook(hookID, event string, took time.Duration)
}

// OnSysInfoTickHook is called at each $SYS interval with a snapshot.
type OnSysInfoTickHook interface {
	OnSysInfoTick(info *SysInfo)
}

// SharedSelector chooses which member of a shared subscription group gets a
// message. members is never empty and lists connected members first;
// connected reports how many of them are connected. It returns an index
// into members. The server's default selects connected members round-robin.
type SharedSelector interface {
	Select(group, filter string, members []SharedMember, connected int, pk *codec.Publish) int
}

// SharedMember is one member of a shared subscription group.
type SharedMember struct {
	ClientID string
	QoS      codec.QoS
}

// SysInfo is a snapshot of the server's counters, published under $SYS.
type SysInfo struct {
	Version string    `json:"version"`
	Started time.Time `json:"started"`
	Uptime  int64     `json:"uptime"`
	// ClientsConnected counts the clients connected now.
	ClientsConnected int64 `json:"clients_connected"`
	// ClientsTotal counts the clients the server knows now: connected
	// ones and persistent sessions without a connection (Mosquitto's and
	// mochi's clients/total).
	ClientsTotal int64 `json:"clients_total"`
	// ClientsMaximum is the most clients connected at once.
	ClientsMaximum int64 `json:"clients_maximum"`
	// ClientsDisconnect counts the persistent sessions without a
	// connection now (clients/disconnected).
	ClientsDisconnect int64 `json:"clients_disconnected"`
	// ConnectionsTotal counts the connections accepted since start (a
	// CONNECT that completed), DisconnectsTotal the ones that ended.
	ConnectionsTotal int64 `json:"connections_total"`
	DisconnectsTotal int64 `json:"disconnects_total"`
	MessagesReceived int64 `json:"messages_received"`
	MessagesSent     int64 `json:"messages_sent"`
	MessagesDropped  int64 `json:"messages_dropped"`
	BytesReceived    int64 `json:"bytes_received"`
	BytesSent        int64 `json:"bytes_sent"`
	PacketsReceived  int64 `json:"packets_received"`
	PacketsSent      int64 `json:"packets_sent"`
	Subscriptions    int64 `json:"subscriptions"`
	Retained         int64 `json:"retained"`
	Inflight         int64 `json:"inflight"`
	Queued           int64 `json:"queued"`
	// QueuedBytes is the size of the queued messages summed over sessions
	// (a message queued for two sessions counts twice), bounded by
	// Limits.MaxTotalQueuedBytes.
	QueuedBytes int64 `json:"queued_bytes"`
	// MemoryLimited is 1 while the server sheds load because its live
	// heap is above Limits.MemoryLimit, else 0.
	MemoryLimited int64 `json:"memory_limited"`
}
