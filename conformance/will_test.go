// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// willConnect connects a raw client carrying a will on topic.
func willConnect(t *testing.T, addr string, v codec.Version, id, topic string, retain bool, props codec.Properties, connProps codec.Properties) *rawClient {
	t.Helper()
	r := dialRaw(t, addr, v)
	ca := r.connect(&codec.Connect{ClientID: id, CleanStart: true, KeepAlive: 30, Properties: connProps,
		Will: &codec.Will{QoS: 1, Retain: retain, Topic: topic, Payload: []byte("will of " + id), Properties: props}})
	require.Equal(t, codec.Success, ca.ReasonCode)
	return r
}

// scenarioWill is the Paho "will message" test: a will is published when
// the connection drops, with its user properties in order, retained only
// when asked; a normal DISCONNECT discards it, 0x04 publishes it.
// [MQTT-3.1.2-7] [MQTT-3.1.2-8] [MQTT-3.1.2-10] [MQTT-3.1.2-14] [MQTT-3.1.2-15] [MQTT-3.1.3-10] [MQTT-3.14.4-3]
// [v3.1.1:MQTT-3.1.2-8] [v3.1.1:MQTT-3.1.2-10] [v3.1.1:MQTT-3.1.2-12] [v3.1.1:MQTT-3.1.2-16] [v3.1.1:MQTT-3.1.2-17] [v3.1.1:MQTT-3.14.4-3]
func scenarioWill(t *testing.T, tg *Target) {
	b := tg.Start(t)
	prefix := uid("will")
	sub := connectV5(t, b.Addr, uid("willsub"))
	sub.sub(1, prefix+"/#")
	users := []codec.UserProperty{{Key: "k", Value: "2"}, {Key: "a", Value: "1"}, {Key: "k", Value: "1"}}

	// Dropped connection: will published, not retained, properties in order.
	r := willConnect(t, b.Addr, codec.V5, uid("w1"), prefix+"/drop", false, codec.Properties{User: users}, codec.Properties{})
	_ = r.nc.Close()
	m := sub.recv()
	assert.Equal(t, prefix+"/drop", m.Topic)
	assert.Equal(t, byte(1), m.QoS)
	require.NotNil(t, m.Properties)
	var got []codec.UserProperty
	for _, u := range m.Properties.User {
		got = append(got, codec.UserProperty{Key: u.Key, Value: u.Value})
	}
	assert.Equal(t, users, got, "will user properties in order")

	// Normal DISCONNECT: no will. DISCONNECT 0x04: will.
	r = willConnect(t, b.Addr, codec.V5, uid("w2"), prefix+"/normal", false, codec.Properties{}, codec.Properties{})
	r.send(&codec.Disconnect{ReasonCode: codec.NormalDisconnection})
	r.expectClosed()
	r = willConnect(t, b.Addr, codec.V5, uid("w3"), prefix+"/with-will", false, codec.Properties{}, codec.Properties{})
	r.send(&codec.Disconnect{ReasonCode: codec.DisconnectWithWill})
	r.expectClosed()
	assert.Equal(t, prefix+"/with-will", sub.recv().Topic, "0x04 publishes the will; 0x00 must not have")

	// Retained will: a later subscriber gets it as retained.
	r = willConnect(t, b.Addr, codec.V5, uid("w4"), prefix+"/retained", true, codec.Properties{}, codec.Properties{})
	_ = r.nc.Close()
	assert.Equal(t, prefix+"/retained", sub.recv().Topic)

	// v3.1.1 wills: dropped → published; DISCONNECT → discarded.
	r = willConnect(t, b.Addr, codec.V311, uid("w5"), prefix+"/v3drop", false, codec.Properties{}, codec.Properties{})
	_ = r.nc.Close()
	assert.Equal(t, prefix+"/v3drop", sub.recv().Topic)
	r = willConnect(t, b.Addr, codec.V311, uid("w6"), prefix+"/v3normal", false, codec.Properties{}, codec.Properties{})
	r.send(&codec.Disconnect{})
	r.expectClosed()
	// A v3.1.1 client without a will publishes nothing when it drops.
	r = dialRaw(t, b.Addr, codec.V311)
	r.connectOK(uid("w7"))
	_ = r.nc.Close()
	barrier(t, sub, sub, prefix+"/barrier")

	late := connectV5(t, b.Addr, uid("willlate"))
	late.sub(1, prefix+"/drop", prefix+"/retained", prefix+"/barrier")
	m = late.recv()
	assert.Equal(t, prefix+"/retained", m.Topic, "only the retained will is retained")
	assert.True(t, m.Retain)
	barrier(t, late, late, prefix+"/barrier")
}

// scenarioWillDelay is the Paho "will delay" test: a will with a delay is
// not sent when the client reconnects in time, and is sent after the delay
// otherwise.
// [MQTT-3.1.3-9] [MQTT-3.1.2-8]
func scenarioWillDelay(t *testing.T, tg *Target) {
	b := tg.Start(t)
	prefix := uid("wd")
	sub := connectV5(t, b.Addr, uid("wdsub"))
	sub.sub(1, prefix+"/#")
	delay, expiry := uint32(1), uint32(30)
	props := codec.Properties{WillDelay: &delay}
	sess := codec.Properties{SessionExpiry: &expiry}

	idBack, idGone := uid("wdback"), uid("wdgone")
	r := willConnect(t, b.Addr, codec.V5, idBack, prefix+"/back", false, props, sess)
	_ = r.nc.Close()
	start := time.Now()
	r2 := willConnect(t, b.Addr, codec.V5, idGone, prefix+"/gone", false, props, sess)
	_ = r2.nc.Close()
	// Reconnect to the first session before its delay passes.
	back, err := dialV5(t, b.Addr, &paho.Connect{ClientID: idBack, KeepAlive: 30,
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}}, v5Opts{})
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second, "too slow to test the delay")

	m := sub.recv()
	assert.Equal(t, prefix+"/gone", m.Topic, "the reconnected session's will must not be sent")
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "will sent before its delay")
	barrier(t, back, sub, prefix+"/barrier")
}
