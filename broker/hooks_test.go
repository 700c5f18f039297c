// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// orderHook records OnPublish calls in a shared log.
type orderHook struct {
	name string
	mu   *sync.Mutex
	log  *[]string
}

func (h orderHook) ID() string { return h.name }

func (h orderHook) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	h.mu.Lock()
	*h.log = append(*h.log, h.name+":"+pk.Topic)
	h.mu.Unlock()
	return nil
}

type panicHook struct{}

func (panicHook) ID() string { return "panics" }

func (panicHook) OnPublish(*broker.ClientInfo, *codec.Publish) error { panic("boom") }

// rejectHook refuses publishes to "deny/..." with 0x97 and rewrites the
// payload of others.
type rejectHook struct{}

func (rejectHook) ID() string { return "reject" }

func (rejectHook) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	if len(pk.Topic) > 5 && pk.Topic[:5] == "deny/" {
		return &codec.Error{Packet: codec.PUBLISH, Code: codec.QuotaExceeded, Err: errors.New("denied by hook")}
	}
	return nil
}

// rewriteHook changes the topic of every inbound PUBLISH.
type rewriteHook struct{}

func (rewriteHook) ID() string { return "rewrite" }

func (rewriteHook) OnPacketRead(_ *broker.ClientInfo, pk codec.Packet) (codec.Packet, error) {
	if p, ok := pk.(*codec.Publish); ok && p.Topic == "raw" {
		q := *p
		q.Topic = "rewritten"
		return &q, nil
	}
	return pk, nil
}

// TestHooks: hooks run in the order added, a panicking hook is recovered
// and the server keeps serving, OnPublish may reject with a reason code,
// and OnPacketRead may modify a packet.
func TestHooks(t *testing.T) {
	var (
		mu  sync.Mutex
		log []string
	)
	ts := startServer(t, broker.Options{},
		orderHook{"first", &mu, &log}, panicHook{}, orderHook{"second", &mu, &log}, rejectHook{}, rewriteHook{})
	sub := connectC(t, ts, codec.V5, "hk-sub")
	sub.sub("#", 1)
	c := connectC(t, ts, codec.V5, "hk")

	c.pub("t/1", "x", 1, false)
	require.Equal(t, "t/1", sub.recv().Topic)
	mu.Lock()
	require.Equal(t, []string{"first:t/1", "second:t/1"}, log)
	mu.Unlock()

	require.Equal(t, codec.QuotaExceeded, c.pubP(&codec.Publish{Topic: "deny/x", QoS: 1}))
	require.Equal(t, codec.QuotaExceeded, c.pubP(&codec.Publish{Topic: "deny/x", QoS: 2}))
	c.pub("raw", "y", 1, false)
	require.Equal(t, "rewritten", sub.recv().Topic)
	sub.barrier()
}

// lifecycleHook records the lifecycle events it sees.
type lifecycleHook struct {
	mu     sync.Mutex
	events []string
}

func (h *lifecycleHook) ID() string { return "lifecycle" }
func (h *lifecycleHook) add(s string) {
	h.mu.Lock()
	h.events = append(h.events, s)
	h.mu.Unlock()
}
func (h *lifecycleHook) OnStarted() { h.add("started") }
func (h *lifecycleHook) OnStopped() { h.add("stopped") }
func (h *lifecycleHook) OnConnect(cl *broker.ClientInfo, _ *codec.Connect) error {
	h.add("connect " + cl.ID)
	return nil
}
func (h *lifecycleHook) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, present bool) {
	h.add(fmt.Sprintf("established %s %v", cl.ID, present))
}
func (h *lifecycleHook) OnSubscribed(cl *broker.ClientInfo, _ *codec.Subscribe, codes []codec.ReasonCode) {
	h.add(fmt.Sprintf("subscribed %s %v", cl.ID, codes))
}
func (h *lifecycleHook) OnUnsubscribed(cl *broker.ClientInfo, _ *codec.Unsubscribe, _ []codec.ReasonCode) {
	h.add("unsubscribed " + cl.ID)
}
func (h *lifecycleHook) OnPublished(cl *broker.ClientInfo, pk *codec.Publish, n int) {
	h.add(fmt.Sprintf("published %s %d", pk.Topic, n))
}
func (h *lifecycleHook) OnQoSComplete(id string, _ uint16) { h.add("qos complete " + id) }
func (h *lifecycleHook) OnRetainMessage(_ *broker.ClientInfo, pk *codec.Publish) {
	h.add("retain " + pk.Topic)
}
func (h *lifecycleHook) OnDisconnect(cl *broker.ClientInfo, err error, expired bool) {
	h.add(fmt.Sprintf("disconnect %s %v", cl.ID, expired))
}

// TestLifecycleHooks: the lifecycle events fire in order for one client.
func TestLifecycleHooks(t *testing.T) {
	h := &lifecycleHook{}
	dc := make(disconnects, 4)
	ts := startServer(t, broker.Options{}, h, dc)
	c := connectC(t, ts, codec.V5, "lc")
	c.sub("lc", 1)
	c.send(&codec.Publish{Topic: "lc", Payload: []byte("x"), QoS: 1, PacketID: 1, Retain: true})
	p := c.expectPublish() // routed to ourselves before the PUBACK
	expectT[*codec.Puback](c)
	c.ack(p)
	c.send(&codec.Unsubscribe{PacketID: 9, Filters: []string{"lc"}})
	expectT[*codec.Unsuback](c)
	c.disconnect()
	dc.wait(t, "lc")
	require.NoError(t, ts.Close())
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(t, []string{
		"started", "connect lc", "established lc false", "subscribed lc [granted QoS 1]",
		"retain lc", "published lc 1", "qos complete lc", "unsubscribed lc",
		"disconnect lc true", "stopped",
	}, h.events)
}

// publishMangler lowers every QoS to 0 and turns topic "mangle/wild" into
// a wildcard filter.
type publishMangler struct{ broker.AllowAll }

func (publishMangler) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	pk.QoS = 0
	if pk.Topic == "mangle/wild" {
		pk.Topic = "mangle/+"
	}
	return nil
}

// TestOnPublishCannotBreakTheAcknowledgement: an OnPublish hook that
// changes the QoS does not leave the publisher without its PUBACK, and
// one that sets an invalid topic name gets the message refused (0x90)
// instead of stored and delivered under it.
func TestOnPublishCannotBreakTheAcknowledgement(t *testing.T) {
	ts := startServerHooks(t, broker.Options{}, publishMangler{})
	c := connectC(t, ts, codec.V5, "mangled")
	require.Equal(t, codec.NoMatchingSubscribers, c.pubP(&codec.Publish{Topic: "mangle/ok", QoS: 1, Payload: []byte("x")}))
	require.Equal(t, codec.TopicNameInvalid, c.pubP(&codec.Publish{Topic: "mangle/wild", QoS: 1, Retain: true, Payload: []byte("x")}))
	require.Zero(t, ts.Info().Retained)
}

// publishedBy records who OnPublished and OnRetainMessage report.
type publishedBy struct{ got chan *broker.ClientInfo }

func (publishedBy) ID() string                                                   { return "published-by" }
func (p publishedBy) OnPublished(cl *broker.ClientInfo, _ *codec.Publish, _ int) { p.got <- cl }
func (p publishedBy) OnRetainMessage(cl *broker.ClientInfo, _ *codec.Publish)    { p.got <- cl }

// TestServerMessagesReachHooksAsInline: the server's own messages reach
// OnRetainMessage and OnPublished with a ClientInfo marked Inline, never
// nil.
func TestServerMessagesReachHooksAsInline(t *testing.T) {
	h := publishedBy{got: make(chan *broker.ClientInfo, 4)}
	ts := startServer(t, broker.Options{}, h)
	require.NoError(t, ts.Publish("inline/x", []byte("x"), true, 0))
	for range 2 {
		cl := <-h.got
		require.NotNil(t, cl)
		require.True(t, cl.Inline)
	}
}

// ignorer ignores every message under "ign/".
type ignorer struct{ broker.AllowAll }

func (ignorer) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	if strings.HasPrefix(pk.Topic, "ign/") {
		return broker.ErrPublishIgnored
	}
	return nil
}

// TestOnPublishIgnored: a message an OnPublish hook ignores is
// acknowledged as received (0x00, not 0x10) but neither routed nor
// retained.
func TestOnPublishIgnored(t *testing.T) {
	ts := startServerHooks(t, broker.Options{}, ignorer{})
	sub := connectC(t, ts, codec.V5, "ign-sub")
	sub.sub("ign/#", 2)
	pub := connectC(t, ts, codec.V5, "ign-pub")
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "ign/a", QoS: 1, Retain: true, Payload: []byte("x")}))
	require.Equal(t, codec.Success, pub.pubP(&codec.Publish{Topic: "ign/b", QoS: 2, Payload: []byte("x")}))
	sub.barrier()
	require.Zero(t, ts.Info().Retained)
}
