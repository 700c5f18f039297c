// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"testing"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenarioRetained is the Paho "retained messages" test: retained
// messages at every QoS are stored and sent to new subscribers with
// RETAIN=1; an empty retained message deletes; a non-retained message
// leaves the retained one alone; live deliveries carry RETAIN=0.
// [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-7] [MQTT-3.3.1-8] [MQTT-3.3.1-9] [MQTT-3.3.1-12]
// [v3.1.1:MQTT-3.3.1-5] [v3.1.1:MQTT-3.3.1-6] [v3.1.1:MQTT-3.3.1-7] [v3.1.1:MQTT-3.3.1-8] [v3.1.1:MQTT-3.3.1-9]
// [v3.1.1:MQTT-3.3.1-10] [v3.1.1:MQTT-3.3.1-11] [v3.1.1:MQTT-3.3.1-12]
func scenarioRetained(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("ret")
	pub := connectV5(t, b.Addr, uid("retpub"))
	live := connectV5(t, b.Addr, uid("retlive"))
	live.sub(2, p+"/#")
	for i, q := range []byte{0, 1, 2} {
		pub.pub(p+"/q"+string('0'+q), q, true, "retained "+string('0'+rune(i)))
	}
	for range 3 {
		assert.False(t, live.recv().Retain, "live delivery of a retained message has RETAIN=0 (no Retain As Published)")
	}
	pub.pub(p+"/q1", 1, false, "not retained") // must not replace
	pub.pub(p+"/q2", 1, true, "replaced")      // replaces
	pub.pub(p+"/q0", 1, true, "")              // deletes
	live.recvN(3)

	late := connectV5(t, b.Addr, uid("retlate"))
	late.sub(2, p+"/+")
	got := map[string]string{}
	for _, m := range late.recvN(2) {
		assert.True(t, m.Retain)
		got[m.Topic] = string(m.Payload)
	}
	assert.Equal(t, map[string]string{p + "/q1": "retained 1", p + "/q2": "replaced"}, got)
	barrier(t, pub, late, p+"/barrier")
	// The empty message itself went out to live subscribers.

	// v3.1.1 subscriber: retained sent with RETAIN 1, live with 0.
	c3 := connectV3(t, b.Addr, uid("ret3"), true)
	c3.sub(1, p+"/q1")
	m := c3.recv()
	assert.True(t, m.Retained())
	assert.Equal(t, "retained 1", string(m.Payload()))
	c3.pub(p+"/q1", 1, false, "live")
	m = c3.recv()
	assert.False(t, m.Retained())
	// v3.1.1 publisher clears it; a new v3.1.1 subscriber gets nothing.
	c3.pub(p+"/q1", 0, true, "")
	assert.Empty(t, c3.recv().Payload())
	pub.pub(p+"/q1", 1, false, "after clear")
	c4 := connectV3(t, b.Addr, uid("ret4"), true)
	c4.sub(1, p+"/q1")
	pub.pub(p+"/q1", 1, false, "first")
	assert.Equal(t, "first", string(c4.recv().Payload()), "cleared retained message was still sent")
}

// scenarioRetainHandling: Retain Handling 0 sends retained messages on
// every subscribe, 1 only on a new subscription, 2 never; re-subscribing
// replaces the subscription.
// [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] [MQTT-3.8.4-3] [MQTT-3.8.4-4]
func scenarioRetainHandling(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("rh")
	c := connectV5(t, b.Addr, uid("rhc"))
	c.pub(p+"/t", 1, true, "kept")
	subRH := func(rh byte) {
		_, err := c.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: p + "/t", QoS: 1, RetainHandling: rh}}})
		require.NoError(t, err)
	}
	c.sub(1, p+"/barrier")
	subRH(2)
	barrier(t, c, c, p+"/barrier")
	subRH(1) // exists already (RH 2 created it): nothing
	barrier(t, c, c, p+"/barrier")
	subRH(0) // always
	assert.Equal(t, "kept", string(c.recv().Payload))
	subRH(0)
	assert.Equal(t, "kept", string(c.recv().Payload))
	// Replaced, not doubled: one live copy.
	c.pub(p+"/t", 1, false, "live")
	assert.Equal(t, "live", string(c.recv().Payload))
	barrier(t, c, c, p+"/barrier")

	c2 := connectV5(t, b.Addr, uid("rhc2"))
	_, err := c2.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: p + "/t", QoS: 1, RetainHandling: 1}}})
	require.NoError(t, err)
	assert.Equal(t, "kept", string(c2.recv().Payload), "RH 1 on a new subscription sends retained")
}

// scenarioRetainAsPublished: RAP 1 forwards the RETAIN flag as published,
// RAP 0 clears it.
// [MQTT-3.3.1-12] [MQTT-3.3.1-13]
func scenarioRetainAsPublished(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("rap")
	c := connectV5(t, b.Addr, uid("rapc"))
	_, err := c.Subscribe(ctxT(t), &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: p + "/rap", QoS: 1, RetainAsPublished: true}, {Topic: p + "/plain", QoS: 1}}})
	require.NoError(t, err)
	c.pub(p+"/rap", 1, true, "r")
	assert.True(t, c.recv().Retain)
	c.pub(p+"/rap", 1, false, "n")
	assert.False(t, c.recv().Retain)
	c.pub(p+"/plain", 1, true, "r")
	assert.False(t, c.recv().Retain)
}
