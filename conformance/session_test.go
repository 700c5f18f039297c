// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"fmt"
	"testing"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// restartModes are the ways a session is left between two connections:
// a plain reconnect, and (with persistent storage) a broker restart on
// the same storage.
func restartModes(tg *Target) []string {
	if tg.InProcess() && tg.storage.persistent {
		return []string{"reconnect", "restart"}
	}
	return []string{"reconnect"}
}

// scenarioOfflineQueueing is the Paho "offline message queueing" test:
// QoS 1 and 2 messages published while a persistent session is offline
// are delivered when it reconnects (also across a broker restart when
// the storage is persistent).
// [MQTT-4.5.0-1] [MQTT-3.1.2-5] [MQTT-3.1.2-23] [v3.1.1:MQTT-3.1.2-5] [v3.1.1:MQTT-3.1.2-4] [v3.1.1:MQTT-4.1.0-1]
func scenarioOfflineQueueing(t *testing.T, tg *Target) {
	for _, mode := range restartModes(tg) {
		t.Run(mode, func(t *testing.T) {
			b := tg.Start(t)
			p, id := uid("oq"), uid("oqc")
			expiry := uint32(60)
			cp := &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30, Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}}
			c, err := dialV5(t, b.Addr, cp, v5Opts{})
			require.NoError(t, err)
			c.sub(2, p+"/#")
			require.NoError(t, c.Disconnect(&paho.Disconnect{}))
			<-c.Done()
			pub := connectV5(t, b.Addr, uid("oqpub"))
			for q := range byte(3) {
				pub.pub(fmt.Sprintf("%s/%d", p, q), q, false, fmt.Sprint("qos", q))
			}
			if mode == "restart" {
				b.Restart()
			}
			cp.CleanStart = false
			c, err = dialV5(t, b.Addr, cp, v5Opts{})
			require.NoError(t, err)
			require.True(t, c.Connack.SessionPresent)
			m := c.recv()
			if m.QoS == 0 { // queueing QoS 0 is optional
				m = c.recv()
			}
			assert.Equal(t, "qos1", string(m.Payload))
			assert.Equal(t, "qos2", string(c.recv().Payload))
		})
	}
}

// scenarioRedelivery is the Paho "redelivery on reconnect" test, packet
// by packet: unacknowledged PUBLISHes are resent with DUP=1 and their
// packet ids, and an unacknowledged PUBREL is resent instead of the
// PUBLISH (also across a restart with persistent storage).
// [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.3.3-6] [MQTT-4.3.2-3] [MQTT-4.3.3-3] [MQTT-4.3.3-5]
// [v3.1.1:MQTT-4.4.0-1] [v3.1.1:MQTT-3.3.1-1]
func scenarioRedelivery(t *testing.T, tg *Target) {
	for _, mode := range restartModes(tg) {
		for _, v := range []codec.Version{codec.V5, codec.V311} {
			t.Run(fmt.Sprintf("%s-v%d", mode, v), func(t *testing.T) {
				b := tg.Start(t)
				p, id := uid("rd"), uid("rdc")
				connect := func(clean bool) *rawClient {
					r := dialRaw(t, b.Addr, v)
					cp := &codec.Connect{ClientID: id, CleanStart: clean, KeepAlive: 30}
					if v == codec.V5 {
						cp.Properties.SessionExpiry = codec.Ptr[uint32](60)
					}
					ca := r.connect(cp)
					require.Equal(t, codec.Success, ca.ReasonCode)
					return r
				}
				// v3.1.1 keeps the session only with CleanSession 0.
				r := connect(v == codec.V5)
				r.subscribe(1, codec.Subscription{Filter: p + "/#", QoS: 2})
				pub := connectV5(t, b.Addr, uid("rdpub"))
				pub.pub(p+"/1", 1, false, "one")
				pub.pub(p+"/2", 2, false, "two")
				pub.pub(p+"/3", 2, false, "three")
				m1, m2, m3 := r.readPublish(), r.readPublish(), r.readPublish()
				assert.False(t, m1.Dup)
				// m3: PUBREC sent, PUBREL received, PUBCOMP not sent.
				r.send(&codec.Pubrec{PacketID: m3.PacketID})
				_, ok := r.read().(*codec.Pubrel)
				require.True(t, ok)
				_ = r.nc.Close()
				if mode == "restart" {
					b.Restart()
				}
				r = connect(false)
				seen := map[string]bool{}
				for range 3 {
					switch pk := r.read().(type) {
					case *codec.Publish:
						assert.True(t, pk.Dup, "redelivered PUBLISH has DUP=1")
						switch string(pk.Payload) {
						case "one":
							assert.Equal(t, m1.PacketID, pk.PacketID)
						case "two":
							assert.Equal(t, m2.PacketID, pk.PacketID)
						default:
							t.Errorf("PUBLISH %q resent after its PUBREL", pk.Payload)
						}
						seen[string(pk.Payload)] = true
					case *codec.Pubrel:
						assert.Equal(t, m3.PacketID, pk.PacketID)
						seen["pubrel"] = true
					default:
						t.Fatalf("unexpected %T", pk)
					}
				}
				assert.Equal(t, map[string]bool{"one": true, "two": true, "pubrel": true}, seen)
			})
		}
	}
}

// scenarioInterop: v3.1.1 and v5 clients exchange messages at every QoS;
// v5-only properties do not break v3.1.1 subscribers.
// [v3.1.1:MQTT-3.3.2-3] [v3.1.1:MQTT-3.8.4-6]
func scenarioInterop(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p := uid("io")
	c5 := connectV5(t, b.Addr, uid("io5"))
	c3 := connectV3(t, b.Addr, uid("io3"), true)
	c5.sub(2, p+"/from3")
	c3.sub(2, p+"/from5")
	for q := range byte(3) {
		c3.pub(p+"/from3", q, false, fmt.Sprint("v3 ", q))
		_, err := c5.Publish(ctxT(t), &paho.Publish{Topic: p + "/from5", QoS: q, Payload: []byte(fmt.Sprint("v5 ", q)),
			Properties: &paho.PublishProperties{User: paho.UserProperties{{Key: "k", Value: "v"}}, ContentType: "c", ResponseTopic: p + "/r"}})
		require.NoError(t, err)
	}
	for q := range byte(3) {
		m5 := c5.recv()
		assert.Equal(t, fmt.Sprint("v3 ", q), string(m5.Payload))
		assert.Equal(t, q, m5.QoS)
		m3 := c3.recv()
		assert.Equal(t, fmt.Sprint("v5 ", q), string(m3.Payload()))
		assert.Equal(t, q, m3.Qos())
	}
}

// scenarioV3Session: v3.1.1 CleanSession 0 keeps subscriptions and
// queued messages with Session Present 1; CleanSession 1 discards them.
// [v3.1.1:MQTT-3.1.2-4] [v3.1.1:MQTT-3.1.2-5] [v3.1.1:MQTT-3.1.2-6] [v3.1.1:MQTT-3.2.2-1] [v3.1.1:MQTT-3.2.2-2]
// [v3.1.1:MQTT-3.2.2-3] [v3.1.1:MQTT-3.1.4-3] [v3.1.1:MQTT-3.1.3-2] [v3.1.1:MQTT-4.1.0-2]
func scenarioV3Session(t *testing.T, tg *Target) {
	b := tg.Start(t)
	p, id := uid("v3s"), uid("v3sc")
	connect := func(clean bool) (*rawClient, *codec.Connack) {
		r := dialRaw(t, b.Addr, codec.V311)
		return r, r.connect(&codec.Connect{ClientID: id, CleanStart: clean, KeepAlive: 30})
	}
	r, ca := connect(false)
	assert.False(t, ca.SessionPresent)
	r.subscribe(1, codec.Subscription{Filter: p + "/t", QoS: 1})
	r.send(&codec.Disconnect{})
	r.expectClosed()
	pub := connectV5(t, b.Addr, uid("v3spub"))
	pub.pub(p+"/t", 1, false, "queued")
	r, ca = connect(false)
	assert.True(t, ca.SessionPresent)
	m := r.readPublish()
	assert.Equal(t, "queued", string(m.Payload))
	r.send(&codec.Puback{PacketID: m.PacketID})
	r.send(&codec.Disconnect{})
	r.expectClosed()
	r, ca = connect(true)
	assert.False(t, ca.SessionPresent)
	r.send(&codec.Disconnect{})
	r.expectClosed()
	r, ca = connect(false)
	assert.False(t, ca.SessionPresent, "CleanSession 1 discarded the session")
	r.subscribe(2, codec.Subscription{Filter: p + "/b", QoS: 1})
	pub.pub(p+"/t", 1, false, "not subscribed any more")
	pub.pub(p+"/b", 1, false, "b")
	assert.Equal(t, "b", string(r.readPublish().Payload))
}
