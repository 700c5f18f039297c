// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/listeners"
)

func TestListenerLocal(t *testing.T) {
	tests := []struct {
		typ, addr string
		want      bool
	}{
		{typeTCP, "127.0.0.1:1883", true},
		{typeTCP, "127.8.9.10:0", true},
		{typeWS, "[::1]:1882", true},
		{typeTCP, "localhost:1883", true},
		{typeUnix, "/run/wrenmq.sock", true},
		{typeTCP, ":1883", false},
		{typeTCP, "0.0.0.0:1883", false},
		{typeWS, "[::]:1882", false},
		{typeTLS, "192.168.1.2:8883", false},
		{typeTCP, "example.com:1883", false},
	}
	for _, tt := range tests {
		l := listenerPlan{ListenerConfig: ListenerConfig{Type: tt.typ, Address: tt.addr}}
		require.Equal(t, tt.want, l.local(), "%s %s", tt.typ, tt.addr)
	}
	// Behind a PROXY protocol proxy a loopback listener carries clients
	// from other hosts.
	l := listenerPlan{ListenerConfig: ListenerConfig{Type: typeTCP, Address: "127.0.0.1:1883", ProxyProtocol: true}, proxy: &listeners.ProxyProtocol{}}
	require.False(t, l.local())
}

func TestFlagsOverrideFile(t *testing.T) {
	c, err := ParseConfig([]byte(`
listeners:
  - {type: tcp, address: "127.0.0.1:1"}
  - {type: tcp, address: "127.0.0.1:2"}
  - {type: ws, address: "127.0.0.1:3"}
  - {type: unix, address: /tmp/x.sock}
http: {addr: "127.0.0.1:4"}
`), "f.yaml")
	require.NoError(t, err)
	f, err := parseFlags([]string{"-tcp", "127.0.0.1:0", "-ws", "off", "-http", "off", "-debug-packets"}, io.Discard)
	require.NoError(t, err)
	require.NoError(t, f.apply(c))
	p, err := c.plan()
	require.NoError(t, err)
	var got []string
	for _, l := range p.listeners {
		got = append(got, l.ID+"="+l.Address)
	}
	require.Equal(t, []string{"unix=/tmp/x.sock", "tcp=127.0.0.1:0"}, got)
	require.Empty(t, p.httpAddr)
	require.True(t, p.packets)
	require.Equal(t, "DEBUG", p.level.String())
	require.True(t, p.anonymous, "every listener is local")
}

func TestPlanMapsOptions(t *testing.T) {
	c, err := ParseConfig([]byte(`{
  "listeners": [{"type": "tcp", "address": "127.0.0.1:0"}, {"type": "tcp", "address": "127.0.0.1:0"}],
  "capabilities": {"maximum_qos": 0, "retain_available": false, "topic_alias_maximum": 0,
                   "maximum_packet_size": 4096, "server_keep_alive": "60s", "maximum_session_expiry": "1h"},
  "limits": {"max_clients": 10, "queue_qos0_offline": true, "write_timeout": "5s", "close_linger": "0s",
             "max_retained_bytes": 1024, "max_queued_bytes": 2048, "max_inflight_bytes": 3072, "max_total_queued_bytes": 8192, "max_connections": 500, "max_subscription_bytes": 4096, "max_total_subscription_bytes": 16384, "max_topic_levels": 8, "outbound_high_water": 4096, "memory_limit": 1073741824,
             "publish_backpressure": "250ms"},
  "sys_interval": "0s"
}`), "f.json")
	require.NoError(t, err)
	p, err := c.plan()
	require.NoError(t, err)
	require.Equal(t, "tcp", p.listeners[0].ID)
	require.Equal(t, "tcp-2", p.listeners[1].ID)
	o := p.opts
	require.True(t, o.Capabilities.MaximumQoSSet)
	require.EqualValues(t, 0, o.Capabilities.MaximumQoS)
	require.True(t, o.Capabilities.DisableRetain)
	require.False(t, o.Capabilities.DisableWildcards)
	require.True(t, o.Capabilities.TopicAliasMaximumSet)
	require.EqualValues(t, 4096, o.Capabilities.MaximumPacketSize)
	require.EqualValues(t, 60, o.Capabilities.ServerKeepAlive)
	require.EqualValues(t, 3600, o.Capabilities.MaximumSessionExpiry)
	require.Equal(t, 10, o.Limits.MaxClients)
	require.True(t, o.Limits.QueueQoS0Offline)
	require.Equal(t, 1024, o.Limits.MaxRetainedBytes)
	require.Equal(t, 2048, o.Limits.MaxQueuedBytes)
	require.Equal(t, 3072, o.Limits.MaxInflightBytes)
	require.Equal(t, 8192, o.Limits.MaxTotalQueuedBytes)
	require.Equal(t, 16384, o.Limits.MaxTotalSubscriptionBytes)
	require.Equal(t, 500, o.Limits.MaxConnections)
	require.Equal(t, 4096, o.Limits.MaxSubscriptionBytes)
	require.Equal(t, 8, o.Limits.MaxTopicLevels)
	require.Equal(t, 4096, o.Limits.OutboundHighWater)
	require.EqualValues(t, 1<<30, o.Limits.MemoryLimit)
	require.Equal(t, 250*time.Millisecond, o.Limits.PublishBackpressure)
	require.Equal(t, 5*time.Second, o.WriteTimeout)
	require.Negative(t, o.CloseLinger, "0 in the file: close at once")
	require.Negative(t, o.SysInterval)
}

func TestPlanReportsEveryProblemWithItsLine(t *testing.T) {
	c, err := ParseConfig([]byte(`listeners:
  - type: tcp
    address: "127.0.0.1:99999"
  - type: ws
    address: "127.0.0.1:0"
    path: mqtt
  - type: tcp
    address: "127.0.0.1:0"
    path: /x
limits:
  max_inflight: 0
  memory_limit: -1
storage:
  backend: redis
  mode: eventually
`), "w.yaml")
	require.NoError(t, err)
	_, err = c.plan()
	require.EqualError(t, err, `w.yaml:3: listeners[0].address: "127.0.0.1:99999": port "99999" is not a number in 0..65535
w.yaml:6: listeners[1].path: "mqtt" must start with /
w.yaml:9: listeners[2].path: only ws and wss listeners take a path
w.yaml:11: limits.max_inflight: 0 must be at least 1
w.yaml:12: limits.memory_limit: -1 is negative
w.yaml:13: storage: the redis backend needs redis: {addr: HOST:PORT}
w.yaml:15: storage.mode: unknown mode "eventually"; sync or async`)
}

// With no configuration: TCP and WebSocket on loopback, anonymous, in memory.
func TestNoArgumentsDefaults(t *testing.T) {
	f, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	_, p, err := load(f, nil)
	require.NoError(t, err)
	require.Len(t, p.listeners, 4)
	require.Equal(t, ListenerConfig{ID: "tcp", Type: typeTCP, Address: "127.0.0.1:1883"}, p.listeners[0].ListenerConfig)
	require.Equal(t, ListenerConfig{ID: "ws", Type: typeWS, Address: "127.0.0.1:1882"}, p.listeners[1].ListenerConfig)
	// The IPv6 loopback twins, skipped where they cannot be bound.
	require.Equal(t, ListenerConfig{ID: "tcp-ipv6", Type: typeTCP, Address: "[::1]:1883", optional: true}, p.listeners[2].ListenerConfig)
	require.Equal(t, ListenerConfig{ID: "ws-ipv6", Type: typeWS, Address: "[::1]:1882", optional: true}, p.listeners[3].ListenerConfig)
	require.True(t, p.allowAll)
	require.True(t, p.anonymous)
	require.Equal(t, "memory", p.storage.Backend)
	require.Empty(t, p.httpAddr, "HTTP is off by default")
	require.False(t, p.packets)
}

// An optional listener that cannot be bound (here its port is taken) is
// skipped and the others serve; a required one fails the start.
func TestOptionalListenerSkipped(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, optional := range []bool{true, false} {
		c := &Config{Listeners: []ListenerConfig{
			{ID: "tcp", Type: typeTCP, Address: "127.0.0.1:0"},
			{ID: "busy", Type: typeTCP, Address: busy.Addr().String(), optional: optional},
		}}
		p, err := c.plan()
		require.NoError(t, err)
		inst, err := start(p, slog.New(slog.DiscardHandler), "test")
		if !optional {
			require.ErrorContains(t, err, "address already in use")
			continue
		}
		require.NoError(t, err)
		addrs := inst.srv.ListenerAddrs()
		require.Contains(t, addrs, "tcp")
		require.NotContains(t, addrs, "busy")
		require.NoError(t, inst.stop(context.Background()))
	}
}

// TestConfigWithoutListeners: a file that names no listener (an empty
// one, say) gets the listeners wrenmq has without a file, and is valid.
func TestConfigWithoutListeners(t *testing.T) {
	for _, data := range []string{"", "sys_interval: 10s\n"} {
		c, err := ParseConfig([]byte(data), "c.yaml")
		require.NoError(t, err)
		require.Equal(t, defaultConfig().Listeners, c.Listeners)
		_, err = c.plan()
		require.NoError(t, err)
	}
}

// TestPlanListenerAddresses: two listeners on one address are refused
// before anything starts (port 0 picks a free port each time, so it may
// repeat), and a listener whose address is missing or invalid gets that
// error alone, not also one about auth off loopback.
func TestPlanListenerAddresses(t *testing.T) {
	c, err := ParseConfig([]byte(`listeners:
  - type: tcp
    address: "127.0.0.1:18830"
  - type: ws
    address: "127.0.0.1:18830"
  - type: tcp
    address: "127.0.0.1:0"
  - type: ws
    address: "127.0.0.1:0"
  - type: tcp
  - type: ws
    address: localhost
`), "a.yaml")
	require.NoError(t, err)
	_, err = c.plan()
	require.EqualError(t, err, `a.yaml:5: listeners[1].address: 127.0.0.1:18830 is also the address of listeners[0]
a.yaml:10: listeners[4].address: missing
a.yaml:12: listeners[5].address: "localhost" is not host:port (e.g. 127.0.0.1:1883, :1883, [::1]:0)`)
}
