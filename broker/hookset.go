// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// hookSet holds the hooks added to a server, split by event so that an
// event with no hook costs one length check. It is written only before
// Serve and read concurrently afterwards.
type hookSet struct {
	log *slog.Logger

	all             []Hook
	started         []OnStartedHook
	stopped         []OnStoppedHook
	authenticators  []ConnectAuthenticator
	acl             []ACLChecker
	enhanced        []EnhancedAuthenticator
	connect         []OnConnectHook
	established     []OnSessionEstablishedHook
	disconnect      []OnDisconnectHook
	packetRead      []OnPacketReadHook
	packetSent      []OnPacketSentHook
	packetDone      []OnPacketProcessedHook
	packetEncode    []OnPacketEncodeHook
	subscribe       []OnSubscribeHook
	subscribed      []OnSubscribedHook
	unsubscribe     []OnUnsubscribeHook
	unsubscribed    []OnUnsubscribedHook
	publish         []OnPublishHook
	published       []OnPublishedHook
	selectSubs      []OnSelectSubscribersHook
	publishDropped  []OnPublishDroppedHook
	retainMessage   []OnRetainMessageHook
	retainedExpired []OnRetainedExpiredHook
	qosComplete     []OnQoSCompleteHook
	idExhausted     []OnPacketIDExhaustedHook
	qosPublish      []OnQoSPublishHook
	qosDropped      []OnQoSDroppedHook
	retainPublished []OnRetainPublishedHook
	will            []OnWillHook
	willSent        []OnWillSentHook
	clientExpired   []OnClientExpiredHook
	sysTick         []OnSysInfoTickHook
	observers       []HookObserver
}

func (hs *hookSet) add(h Hook) {
	hs.all = append(hs.all, h)
	if x, ok := h.(OnStartedHook); ok {
		hs.started = append(hs.started, x)
	}
	if x, ok := h.(OnStoppedHook); ok {
		hs.stopped = append(hs.stopped, x)
	}
	if x, ok := h.(ConnectAuthenticator); ok {
		hs.authenticators = append(hs.authenticators, x)
	}
	if x, ok := h.(ACLChecker); ok {
		hs.acl = append(hs.acl, x)
	}
	if x, ok := h.(EnhancedAuthenticator); ok {
		hs.enhanced = append(hs.enhanced, x)
	}
	if x, ok := h.(OnConnectHook); ok {
		hs.connect = append(hs.connect, x)
	}
	if x, ok := h.(OnSessionEstablishedHook); ok {
		hs.established = append(hs.established, x)
	}
	if x, ok := h.(OnDisconnectHook); ok {
		hs.disconnect = append(hs.disconnect, x)
	}
	if x, ok := h.(OnPacketReadHook); ok {
		hs.packetRead = append(hs.packetRead, x)
	}
	if x, ok := h.(OnPacketEncodeHook); ok {
		hs.packetEncode = append(hs.packetEncode, x)
	}
	if x, ok := h.(OnPacketProcessedHook); ok {
		hs.packetDone = append(hs.packetDone, x)
	}
	if x, ok := h.(OnPacketSentHook); ok {
		hs.packetSent = append(hs.packetSent, x)
	}
	if x, ok := h.(OnSubscribeHook); ok {
		hs.subscribe = append(hs.subscribe, x)
	}
	if x, ok := h.(OnSubscribedHook); ok {
		hs.subscribed = append(hs.subscribed, x)
	}
	if x, ok := h.(OnUnsubscribeHook); ok {
		hs.unsubscribe = append(hs.unsubscribe, x)
	}
	if x, ok := h.(OnUnsubscribedHook); ok {
		hs.unsubscribed = append(hs.unsubscribed, x)
	}
	if x, ok := h.(OnPublishHook); ok {
		hs.publish = append(hs.publish, x)
	}
	if x, ok := h.(OnPublishedHook); ok {
		hs.published = append(hs.published, x)
	}
	if x, ok := h.(OnSelectSubscribersHook); ok {
		hs.selectSubs = append(hs.selectSubs, x)
	}
	if x, ok := h.(OnPublishDroppedHook); ok {
		hs.publishDropped = append(hs.publishDropped, x)
	}
	if x, ok := h.(OnRetainMessageHook); ok {
		hs.retainMessage = append(hs.retainMessage, x)
	}
	if x, ok := h.(OnRetainedExpiredHook); ok {
		hs.retainedExpired = append(hs.retainedExpired, x)
	}
	if x, ok := h.(OnQoSCompleteHook); ok {
		hs.qosComplete = append(hs.qosComplete, x)
	}
	if x, ok := h.(OnQoSPublishHook); ok {
		hs.qosPublish = append(hs.qosPublish, x)
	}
	if x, ok := h.(OnQoSDroppedHook); ok {
		hs.qosDropped = append(hs.qosDropped, x)
	}
	if x, ok := h.(OnRetainPublishedHook); ok {
		hs.retainPublished = append(hs.retainPublished, x)
	}
	if x, ok := h.(OnPacketIDExhaustedHook); ok {
		hs.idExhausted = append(hs.idExhausted, x)
	}
	if x, ok := h.(OnWillHook); ok {
		hs.will = append(hs.will, x)
	}
	if x, ok := h.(OnWillSentHook); ok {
		hs.willSent = append(hs.willSent, x)
	}
	if x, ok := h.(OnClientExpiredHook); ok {
		hs.clientExpired = append(hs.clientExpired, x)
	}
	if x, ok := h.(HookObserver); ok {
		hs.observers = append(hs.observers, x)
	}
	if x, ok := h.(OnSysInfoTickHook); ok {
		hs.sysTick = append(hs.sysTick, x)
	}
}

// recoverPanic is deferred around every hook call: it recovers and logs a
// panic raised by hook h so that the event continues without it.
func (hs *hookSet) recoverPanic(h any, event string) {
	r := recover()
	if r == nil {
		return
	}
	id := "?"
	if hk, isHook := h.(Hook); isHook {
		id = hk.ID()
	}
	hs.log.Error("hook panicked; event skipped for this hook",
		"hook", id, "event", event, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// observe reports how long one hook call took to the HookObservers.
func (hs *hookSet) observe(h any, event string, start time.Time) {
	d := time.Since(start)
	id := "?"
	if hk, ok := h.(Hook); ok {
		id = hk.ID()
	}
	for _, o := range hs.observers {
		o.ObserveHook(id, event, d)
	}
}

// guard runs f, recovering and logging a panic raised by hook h. It is for
// events off the hot path; hot paths use a small function per event.
func (hs *hookSet) guard(h any, event string, f func()) {
	defer hs.recoverPanic(h, event)
	if len(hs.observers) > 0 {
		defer hs.observe(h, event, time.Now())
	}
	f()
}

// authenticate reports the CONNACK code for a connect attempt: Success if
// any authenticator allows it, else the first failure code, else 0x87.
func (hs *hookSet) authenticate(cl *ClientInfo, pk *codec.Connect) codec.ReasonCode {
	first := codec.NotAuthorized
	seen := false
	for _, h := range hs.authenticators {
		rc := codec.NotAuthorized
		hs.guard(h, "OnConnectAuthenticate", func() { rc = h.OnConnectAuthenticate(cl, pk) })
		if rc == codec.Success {
			return codec.Success
		}
		if !seen && rc.IsError() {
			first, seen = rc, true
		}
	}
	return first
}

// allowed reports whether any ACL checker grants access.
func (hs *hookSet) allowed(cl *ClientInfo, topic string, access Access) bool {
	for _, h := range hs.acl {
		if hs.aclOne(h, cl, topic, access) {
			return true
		}
	}
	return false
}

// readScope decides a subscription to filter for cl (see ACLScopeChecker).
func (hs *hookSet) readScope(cl *ClientInfo, filter string) ReadScope {
	scope := ReadNone
	for _, h := range hs.acl {
		sc, ok := h.(ACLScopeChecker)
		if !ok {
			if hs.aclOne(h, cl, filter, AccessRead) {
				return ReadAll
			}
			continue
		}
		switch hs.scopeOne(sc, cl, filter) {
		case ReadAll:
			return ReadAll
		case ReadSome:
			scope = ReadSome
		}
	}
	return scope
}

func (hs *hookSet) scopeOne(h ACLScopeChecker, cl *ClientInfo, filter string) (scope ReadScope) {
	defer hs.recoverPanic(h, "OnACLReadScope")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnACLReadScope", time.Now())
	}
	return h.OnACLReadScope(cl, filter)
}

func (hs *hookSet) aclOne(h ACLChecker, cl *ClientInfo, topic string, access Access) (ok bool) {
	defer hs.recoverPanic(h, "OnACLCheck")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnACLCheck", time.Now())
	}
	return h.OnACLCheck(cl, topic, access)
}

// enhancedFor returns the authenticator for method, or nil.
func (hs *hookSet) enhancedFor(method string) EnhancedAuthenticator {
	for _, h := range hs.enhanced {
		ok := false
		hs.guard(h, "SupportsAuthMethod", func() { ok = h.SupportsAuthMethod(method) })
		if ok {
			return h
		}
	}
	return nil
}

func (hs *hookSet) onDropped(clientID string, pk *codec.Publish, reason DropReason) {
	for _, h := range hs.publishDropped {
		hs.guard(h, "OnPublishDropped", func() { h.OnPublishDropped(clientID, pk, reason) })
	}
}

// onPublish runs the OnPublish hooks; the first error rejects the message.
func (hs *hookSet) onPublish(cl *ClientInfo, pk *codec.Publish) error {
	for _, h := range hs.publish {
		if err := hs.publishOne(h, cl, pk); err != nil {
			return err
		}
	}
	return nil
}

func (hs *hookSet) publishOne(h OnPublishHook, cl *ClientInfo, pk *codec.Publish) (err error) {
	defer hs.recoverPanic(h, "OnPublish")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnPublish", time.Now())
	}
	return h.OnPublish(cl, pk)
}

// onPublished runs the OnPublished hooks, once per routed message.
func (hs *hookSet) onPublished(cl *ClientInfo, pk *codec.Publish, deliveries int) {
	for _, h := range hs.published {
		hs.publishedOne(h, cl, pk, deliveries)
	}
}

func (hs *hookSet) publishedOne(h OnPublishedHook, cl *ClientInfo, pk *codec.Publish, deliveries int) {
	defer hs.recoverPanic(h, "OnPublished")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnPublished", time.Now())
	}
	h.OnPublished(cl, pk, deliveries)
}

// selectSubscribersOne calls one OnSelectSubscribers hook; ok is false
// when it panicked.
func (hs *hookSet) selectSubscribersOne(h OnSelectSubscribersHook, cl *ClientInfo, pk *codec.Publish, subs []Recipient) (out []Recipient, ok bool) {
	defer hs.recoverPanic(h, "OnSelectSubscribers")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnSelectSubscribers", time.Now())
	}
	return h.OnSelectSubscribers(cl, pk, subs), true
}

// onPacketProcessed runs the OnPacketProcessed hooks, once per packet.
func (hs *hookSet) onPacketProcessed(cl *ClientInfo, t codec.Type, err error) {
	for _, h := range hs.packetDone {
		hs.packetProcessedOne(h, cl, t, err)
	}
}

func (hs *hookSet) packetProcessedOne(h OnPacketProcessedHook, cl *ClientInfo, t codec.Type, err error) {
	defer hs.recoverPanic(h, "OnPacketProcessed")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnPacketProcessed", time.Now())
	}
	h.OnPacketProcessed(cl, t, err)
}

// onPacketRead runs the OnPacketRead hooks in order, each seeing the packet
// the previous one returned.
func (hs *hookSet) onPacketRead(cl *ClientInfo, pk codec.Packet) (codec.Packet, error) {
	for _, h := range hs.packetRead {
		out, err := hs.packetReadOne(h, cl, pk)
		if err != nil {
			return nil, err
		}
		if out != nil && out.Type() == pk.Type() {
			pk = out
		}
	}
	return pk, nil
}

func (hs *hookSet) packetReadOne(h OnPacketReadHook, cl *ClientInfo, pk codec.Packet) (out codec.Packet, err error) {
	defer hs.recoverPanic(h, "OnPacketRead")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnPacketRead", time.Now())
	}
	return h.OnPacketRead(cl, pk)
}

// onPacketEncode runs the OnPacketEncode hooks in order; each sees the
// packet the previous one returned. A packet of another type is ignored.
func (hs *hookSet) onPacketEncode(cl *ClientInfo, pk codec.Packet) codec.Packet {
	for _, h := range hs.packetEncode {
		var out codec.Packet
		hs.guard(h, "OnPacketEncode", func() { out = h.OnPacketEncode(cl, pk) })
		if out != nil && out.Type() == pk.Type() {
			pk = out
		}
	}
	return pk
}

func (hs *hookSet) onPacketSent(cl *ClientInfo, t codec.Type, n int) {
	for _, h := range hs.packetSent {
		hs.packetSentOne(h, cl, t, n)
	}
}

func (hs *hookSet) packetSentOne(h OnPacketSentHook, cl *ClientInfo, t codec.Type, n int) {
	defer hs.recoverPanic(h, "OnPacketSent")
	if len(hs.observers) > 0 {
		defer hs.observe(h, "OnPacketSent", time.Now())
	}
	h.OnPacketSent(cl, t, n)
}
