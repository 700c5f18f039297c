// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"crypto/rand"
	"crypto/sha256"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// Options configure a [Hook].
type Options struct {
	// Ledger is the initial ledger; nil denies every connection and topic
	// until [Hook.Reload] installs one.
	Ledger *Ledger
	// ObscureReasons makes every refused connection report 0x87 Not
	// authorized (v3: 5) instead of telling a wrong password (0x86, v3: 4)
	// from an unknown or refused client, so that probing clients learn less.
	ObscureReasons bool
}

// Hook authenticates connections and checks subscriptions and publishes
// against a [Ledger]. It implements broker.ConnectAuthenticator,
// broker.ACLChecker and, for SCRAM-SHA-256, broker.EnhancedAuthenticator.
// All methods are safe for concurrent use, also with [Hook.Reload].
type Hook struct {
	ledger  atomic.Pointer[Ledger]
	obscure bool
	// fakeKey derives stable fake SCRAM salts for unknown users so that a
	// server-first-message does not reveal whether a user exists.
	fakeKey []byte
	// verified holds the CONNECT packets whose SCRAM exchange succeeded,
	// keyed weakly so that entries vanish with the packet.
	verified sync.Map // weak.Pointer[codec.Connect] -> struct{}
}

var (
	_ broker.Hook                  = (*Hook)(nil)
	_ broker.ConnectAuthenticator  = (*Hook)(nil)
	_ broker.ACLChecker            = (*Hook)(nil)
	_ broker.EnhancedAuthenticator = (*Hook)(nil)
)

// emptyLedger denies everything.
var emptyLedger = &Ledger{dflt: Deny}

// New returns a hook that enforces opts.Ledger.
func New(opts Options) *Hook {
	h := &Hook{obscure: opts.ObscureReasons, fakeKey: make([]byte, 32)}
	_, _ = rand.Read(h.fakeKey) // never fails (crypto/rand panics instead)
	h.Reload(opts.Ledger)
	return h
}

// ID returns "authledger".
func (h *Hook) ID() string { return "authledger" }

// Reload atomically replaces the ledger; checks already running finish with
// the ledger they started with. A nil ledger denies everything. Existing
// subscriptions were checked against the old ledger: call
// [broker.Server.RecheckSubscriptions] afterwards to remove those the new
// one no longer allows.
func (h *Hook) Reload(l *Ledger) {
	if l == nil {
		l = emptyLedger
	}
	h.ledger.Store(l)
}

// Ledger returns the ledger in force.
func (h *Hook) Ledger() *Ledger { return h.ledger.Load() }

func (h *Hook) code(v verdict) codec.ReasonCode {
	switch {
	case v == allowed:
		return codec.Success
	case v == badCredentials && !h.obscure:
		return codec.BadUsernameOrPassword
	}
	return codec.NotAuthorized
}

// OnConnectAuthenticate decides a CONNECT from the ledger's auth rules: the
// first rule whose client, username and remote patterns match decides;
// when none matches the client is refused. A CONNECT that names an
// authentication method is allowed only once this hook's SCRAM exchange
// for that very packet has succeeded.
func (h *Hook) OnConnectAuthenticate(cl *broker.ClientInfo, pk *codec.Connect) codec.ReasonCode {
	if pk.Properties.AuthMethod != nil {
		if _, ok := h.verified.LoadAndDelete(weak.Make(pk)); ok {
			return codec.Success
		}
		return codec.NotAuthorized
	}
	username := ""
	if pk.Username != nil {
		username = *pk.Username
	}
	l := h.ledger.Load()
	return h.code(l.authenticate(identityOf(cl, username), pk.Password, pk.Password != nil))
}

// OnACLCheck grants a publish (AccessWrite) when the first ACL entry whose
// filter matches the topic name allows writing, and a subscription
// (AccessRead, possibly "$share/group/filter") only when every topic the
// filter could deliver is readable; the broker asks OnACLReadScope about
// subscriptions instead, and OnACLCheck about each delivery through a
// subscription readable only in part.
func (h *Hook) OnACLCheck(cl *broker.ClientInfo, topic string, access broker.Access) bool {
	l := h.ledger.Load()
	switch access {
	case broker.AccessWrite:
		return canPublish(l.entries(identityOf(cl, cl.Username), Write), l.dflt, topic)
	case broker.AccessRead:
		entries := l.entries(identityOf(cl, cl.Username), Read)
		if !strings.ContainsAny(topic, "+#") && !strings.HasPrefix(topic, "$share/") {
			return canRead(entries, l.dflt, topic) // a topic name: one delivery's check
		}
		return canSubscribe(entries, l.dflt, topic)
	}
	return false
}

// OnACLReadScope decides a subscription (possibly "$share/group/filter")
// for the broker: ReadAll when every topic the filter could deliver is
// readable, ReadSome when only some are (the broker grants it and delivers
// through it only messages on topics OnACLCheck lets the client read; it
// refuses ReadSome for a shared subscription), ReadNone when none is or,
// in a ledger with partial_subscriptions: refuse, when not all are.
func (h *Hook) OnACLReadScope(cl *broker.ClientInfo, filter string) broker.ReadScope {
	l := h.ledger.Load()
	scope := subscribeScope(l.entries(identityOf(cl, cl.Username), Read), l.dflt, filter)
	if scope == broker.ReadSome && l.refusePartial {
		return broker.ReadNone
	}
	return scope
}

// SupportsAuthMethod reports whether method is SCRAM-SHA-256.
func (h *Hook) SupportsAuthMethod(method string) bool { return method == SCRAMMethod }

// OnEnhancedAuth runs one step of a SCRAM-SHA-256 exchange (RFC 5802,
// section 4.12 of MQTT v5): the client-first-message arrives in CONNECT
// (or AUTH 0x19 when re-authenticating) and is answered with the
// server-first-message and 0x18 Continue authentication; the
// client-final-message arrives in AUTH 0x18 and is answered, when the proof
// is right, with the server-final-message and Success, the SCRAM user name
// becoming the client's user name.
func (h *Hook) OnEnhancedAuth(cl *broker.ClientInfo, ex *broker.AuthExchange) broker.AuthResult {
	if ex.Method != SCRAMMethod {
		return broker.AuthResult{Code: codec.BadAuthenticationMethod}
	}
	st, _ := ex.State.(*scramState)
	if st == nil {
		return h.scramFirst(cl, ex)
	}
	ex.State = nil // one proof per exchange
	final, err := st.verifyFinal(string(ex.Data))
	if err != nil {
		v := st.refusal
		if v == allowed {
			v = badCredentials
		}
		return broker.AuthResult{Code: h.code(v), Data: []byte("e=invalid-proof")}
	}
	if ex.Connect != nil && !ex.Reauthenticate {
		key := weak.Make(ex.Connect)
		h.verified.Store(key, struct{}{})
		runtime.AddCleanup(ex.Connect, func(k weak.Pointer[codec.Connect]) { h.verified.Delete(k) }, key)
	}
	return broker.AuthResult{Code: codec.Success, Data: []byte(final), Username: st.user}
}

func (h *Hook) scramFirst(cl *broker.ClientInfo, ex *broker.AuthExchange) broker.AuthResult {
	gs2, bare, user, nonce, err := scramClientFirst(string(ex.Data))
	if err != nil {
		return broker.AuthResult{Code: codec.NotAuthorized, Data: []byte("e=other-error")}
	}
	st := &scramState{user: user, gs2Header: gs2, firstBare: bare}
	if ex.Connect != nil && ex.Connect.Username != nil && *ex.Connect.Username != user {
		// The CONNECT user name and the SCRAM identity must agree.
		st.refusal = notAuthorized
	} else if ex.Reauthenticate && cl.Username != "" && cl.Username != user {
		st.refusal = notAuthorized // re-authentication may not switch users
	} else {
		st.cred, st.refusal = h.ledger.Load().scramCredentials(identityOf(cl, user))
		st.known = st.cred != nil
	}
	if !st.known {
		st.cred = h.fakeCredentials(user)
	}
	msg, err := st.serverFirst(nonce)
	if err != nil {
		return broker.AuthResult{Code: codec.UnspecifiedError}
	}
	ex.State = st
	return broker.AuthResult{Code: codec.ContinueAuthentication, Data: []byte(msg)}
}

// fakeCredentials returns credentials no proof can match, with a salt that
// is stable per user name, so an unknown user looks like a known one until
// the proof is checked.
func (h *Hook) fakeCredentials(user string) *SCRAMCredentials {
	salt := hmacSHA256(h.fakeKey, "salt:"+user)[:scramSaltLen]
	stored := sha256.Sum256(hmacSHA256(h.fakeKey, "stored:"+user))
	return &SCRAMCredentials{Salt: salt, Iterations: MinSCRAMIterations, StoredKey: stored[:], ServerKey: make([]byte, scramKeyLen)}
}
