// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestCapabilities: every capability switched off is advertised in
// CONNACK and enforced with its reason code.
// [MQTT-3.2.2-9] [MQTT-3.2.2-10] [MQTT-3.2.2-11] [MQTT-3.2.2-12]
// [MQTT-3.2.2-13] [MQTT-3.2.2-14] [MQTT-4.13.1-1]
func TestCapabilities(t *testing.T) {
	tests := []struct {
		name    string
		caps    broker.Capabilities
		connack func(t *testing.T, p *codec.Properties)
		// act is run by a connected v5 client.
		act func(t *testing.T, ts *testServer, c *client)
	}{
		{"maximum QoS 1", broker.Capabilities{MaximumQoS: 1},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(1), *p.MaximumQoS) },
			func(t *testing.T, ts *testServer, c *client) {
				c.sub("mq", 1)
				require.Equal(t, []codec.ReasonCode{1}, c.subscribe(codec.Subscription{Filter: "mq2", QoS: 2}), "granted at most 1")
				require.NoError(t, ts.Publish("mq", []byte("ok"), false, 2))
				require.Equal(t, codec.QoS(1), c.recv().QoS, "delivered at most at QoS 1")
				c.send(&codec.Publish{Topic: "mq", QoS: 2, PacketID: 1})
				c.expectDisconnect(codec.QoSNotSupported)
			}},
		{"maximum QoS 0", broker.Capabilities{MaximumQoS: 0, MaximumQoSSet: true},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(0), *p.MaximumQoS) },
			func(t *testing.T, ts *testServer, c *client) {
				require.Equal(t, []codec.ReasonCode{0}, c.subscribe(codec.Subscription{Filter: "mq", QoS: 2}))
				c.send(&codec.Publish{Topic: "mq", QoS: 1, PacketID: 1})
				c.expectDisconnect(codec.QoSNotSupported)
			}},
		{"retain unavailable", broker.Capabilities{DisableRetain: true},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(0), *p.RetainAvailable) },
			func(t *testing.T, ts *testServer, c *client) {
				c.send(&codec.Publish{Topic: "r", Retain: true})
				c.expectDisconnect(codec.RetainNotSupported)
			}},
		{"wildcards unavailable", broker.Capabilities{DisableWildcards: true},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(0), *p.WildcardSubAvailable) },
			func(t *testing.T, ts *testServer, c *client) {
				codes := c.subscribe(codec.Subscription{Filter: "a/+"}, codec.Subscription{Filter: "#"}, codec.Subscription{Filter: "a/b"})
				require.Equal(t, []codec.ReasonCode{codec.WildcardSubscriptionsNotSupported, codec.WildcardSubscriptionsNotSupported, 0}, codes)
			}},
		{"shared unavailable", broker.Capabilities{DisableSharedSubscriptions: true},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(0), *p.SharedSubAvailable) },
			func(t *testing.T, ts *testServer, c *client) {
				codes := c.subscribe(codec.Subscription{Filter: "$share/g/a"}, codec.Subscription{Filter: "a"})
				require.Equal(t, []codec.ReasonCode{codec.SharedSubscriptionsNotSupported, 0}, codes)
			}},
		{"subscription identifiers unavailable", broker.Capabilities{DisableSubscriptionIDs: true},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, byte(0), *p.SubIDAvailable) },
			func(t *testing.T, ts *testServer, c *client) {
				c.send(&codec.Subscribe{PacketID: 1, Properties: codec.Properties{SubscriptionIDs: []uint32{3}}, Subscriptions: []codec.Subscription{{Filter: "a"}}})
				c.expectDisconnect(codec.SubscriptionIdentifiersNotSupported)
			}},
		{"session expiry capped", broker.Capabilities{MaximumSessionExpiry: 10},
			func(t *testing.T, p *codec.Properties) { require.Equal(t, uint32(10), *p.SessionExpiry) },
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{Capabilities: tt.caps})
			c, ack := connect(t, ts, codec.V5, "caps", persistent(100))
			tt.connack(t, &ack.Properties)
			if tt.act != nil {
				tt.act(t, ts, c)
			}
		})
	}
}

// TestCapabilitiesDefault: a default server advertises nothing it does
// not restrict, except the limits every client must know.
func TestCapabilitiesDefault(t *testing.T) {
	ts := startServer(t, broker.Options{})
	_, ack := connect(t, ts, codec.V5, "def")
	p := ack.Properties
	require.Nil(t, p.MaximumQoS)
	require.Nil(t, p.RetainAvailable)
	require.Nil(t, p.WildcardSubAvailable)
	require.Nil(t, p.SharedSubAvailable)
	require.Nil(t, p.SubIDAvailable)
	require.NotNil(t, p.ReceiveMaximum)
	require.NotNil(t, p.MaximumPacketSize)
	require.NotNil(t, p.TopicAliasMaximum)
}

// TestWillCapabilities: a will the server cannot honour refuses the
// CONNECT: QoS above the maximum 0x9B, retain unavailable 0x9A.
// [MQTT-3.2.2-12] [MQTT-3.2.2-13]
func TestWillCapabilities(t *testing.T) {
	tests := []struct {
		name string
		caps broker.Capabilities
		opt  connectOpt
		code codec.ReasonCode
	}{
		{"will QoS 2 over 1", broker.Capabilities{MaximumQoS: 1}, withWill("w", "x", 2, false, 0), codec.QoSNotSupported},
		{"will retain", broker.Capabilities{DisableRetain: true}, withWill("w", "x", 0, true, 0), codec.RetainNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, broker.Options{Capabilities: tt.caps})
			c := dial(t, ts, codec.V5)
			ack := c.connect(newConnect(codec.V5, "w", tt.opt))
			require.Equal(t, tt.code, ack.ReasonCode)
			c.expectClosed()
		})
	}
}

// TestMaxClients: beyond Limits.MaxClients, CONNECT is refused with 0x89
// (v5) or return code 3 (v3).
func TestMaxClients(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxClients: 1}})
	connectC(t, ts, codec.V5, "first")
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		c := dial(t, ts, v)
		want := codec.ServerBusy
		if v != codec.V5 {
			want = codec.ConnackV3ServerUnavailable
		}
		require.Equal(t, want, c.connect(newConnect(v, "second")).ReasonCode)
		c.expectClosed()
	}
}
