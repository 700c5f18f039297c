// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

func listenWS(t *testing.T, opts listeners.WebSocketOptions) *listeners.WebSocket {
	t.Helper()
	l, err := listeners.ListenWebSocket("ws", "127.0.0.1:0", opts)
	require.NoError(t, err)
	return l
}

func TestWebSocketPaho(t *testing.T) {
	l := listenWS(t, listeners.WebSocketOptions{})
	startBroker(t, nil, l)
	ws, resp, err := dialWS(t, wsURL(l, "ws"), nil, nil)
	require.NoError(t, err)
	require.Equal(t, "mqtt", resp.Header.Get("Sec-WebSocket-Protocol")) // [MQTT-6.0.0-4]
	pc := connectPaho(t, listeners.NewClientConn(ws), "ws-paho")
	pc.roundTrip(t, "ws/echo", "hello over websocket")
}

// wsClient starts a broker with a WebSocket listener and dials it: the
// WebSocket, the same as a net.Conn (read deadline in 10 s) and a packet
// reader on it.
func wsClient(t *testing.T) (*websocket.Conn, net.Conn, *codec.Reader) {
	t.Helper()
	l := listenWS(t, listeners.WebSocketOptions{})
	startBroker(t, nil, l)
	ws, _, err := dialWS(t, wsURL(l, "ws"), nil, nil)
	require.NoError(t, err)
	nc := listeners.NewClientConn(ws)
	t.Cleanup(func() { _ = nc.Close() })
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	return ws, nc, codec.NewReader(nc, 0)
}

// A packet may span WebSocket messages and a message may hold several
// packets [MQTT-6.0.0-2].
func TestWebSocketFraming(t *testing.T) {
	ws, _, r := wsClient(t)

	connect := encode(t, codec.V311, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "framing", CleanStart: true, KeepAlive: 30})
	// CONNECT in three messages, split inside the fixed header and the payload.
	for _, part := range [][]byte{connect[:1], connect[1:7], connect[7:]} {
		require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, part))
	}
	pk, err := r.ReadPacket(codec.V311)
	require.NoError(t, err)
	require.Equal(t, codec.Success, pk.(*codec.Connack).ReasonCode)

	// SUBSCRIBE and a PUBLISH to it in one message, plus the first byte of a
	// PINGREQ whose second byte follows in the next message.
	both := encode(t, codec.V311,
		&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "f/#", QoS: 0}}},
		&codec.Publish{Topic: "f/x", Payload: []byte("two in one")},
		&codec.Pingreq{})
	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, both[:len(both)-1]))
	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, both[len(both)-1:]))

	pk, err = r.ReadPacket(codec.V311)
	require.NoError(t, err)
	require.IsType(t, &codec.Suback{}, pk)
	pk, err = r.ReadPacket(codec.V311)
	require.NoError(t, err)
	require.Equal(t, "two in one", string(pk.(*codec.Publish).Payload))
	pk, err = r.ReadPacket(codec.V311)
	require.NoError(t, err)
	require.IsType(t, &codec.Pingresp{}, pk)
}

// TestWebSocketKeepAliveTimeout: a v5 client silent over WebSocket for
// 1.5 times its keep alive is told why (DISCONNECT 0x8D), as over TCP,
// then closed. [MQTT-3.1.2-22]
func TestWebSocketKeepAliveTimeout(t *testing.T) {
	_, nc, r := wsClient(t)
	_, err := nc.Write(encode(t, codec.V5, &codec.Connect{ProtocolVersion: codec.V5, ClientID: "ka-ws", CleanStart: true, KeepAlive: 1}))
	require.NoError(t, err)
	pk, err := r.ReadPacket(codec.V5)
	require.NoError(t, err)
	require.IsType(t, &codec.Connack{}, pk)
	pk, err = r.ReadPacket(codec.V5)
	require.NoError(t, err)
	require.Equal(t, codec.KeepAliveTimeout, pk.(*codec.Disconnect).ReasonCode)
}

// [MQTT-6.0.0-1] a text message closes the connection.
func TestWebSocketTextMessageCloses(t *testing.T) {
	l := listenWS(t, listeners.WebSocketOptions{})
	startBroker(t, nil, l)
	ws, _, err := dialWS(t, wsURL(l, "ws"), nil, nil)
	require.NoError(t, err)
	defer ws.Close()
	connect := encode(t, codec.V311, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "text", CleanStart: true})
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, connect))
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, _, err = ws.ReadMessage()
	require.Error(t, err)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server did not close the connection: %v", err)
}

func TestWebSocketMessageLimit(t *testing.T) {
	l := listenWS(t, listeners.WebSocketOptions{MaxMessageSize: 64})
	startBroker(t, nil, l)
	ws, _, err := dialWS(t, wsURL(l, "ws"), nil, nil)
	require.NoError(t, err)
	defer ws.Close()
	connect := encode(t, codec.V311, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "big", CleanStart: true, Password: make([]byte, 100), Username: new("u")})
	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, connect))
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, _, err = ws.ReadMessage()
	require.True(t, websocket.IsCloseError(err, websocket.CloseMessageTooBig), "want close 1009, got %v", err)
}

func TestWebSocketOriginAndSubprotocol(t *testing.T) {
	tests := []struct {
		name     string
		allowed  []string
		origin   string
		protos   []string
		wantCode int // 101 when the upgrade succeeds
	}{
		{name: "no origin (not a browser)", wantCode: 101},
		{name: "same origin", origin: "http://SAME", wantCode: 101},
		{name: "foreign origin refused", origin: "https://evil.example", wantCode: http.StatusForbidden},
		{name: "allowed full origin", allowed: []string{"https://app.example"}, origin: "https://app.example", wantCode: 101},
		{name: "allowed host", allowed: []string{"app.example:8443"}, origin: "https://app.example:8443", wantCode: 101},
		{name: "other origin still refused", allowed: []string{"https://app.example"}, origin: "https://evil.example", wantCode: http.StatusForbidden},
		{name: "wildcard", allowed: []string{"*"}, origin: "https://anything.example", wantCode: 101},
		{name: "mqttv3.1 subprotocol", protos: []string{"mqttv3.1"}, wantCode: 101},
		{name: "no MQTT subprotocol offered", protos: []string{"chat"}, wantCode: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := listenWS(t, listeners.WebSocketOptions{AllowedOrigins: tt.allowed, Path: "/ws"})
			startBroker(t, nil, l)
			h := http.Header{}
			if tt.origin == "http://SAME" {
				h.Set("Origin", "http://"+l.Addr().String())
			} else if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			d := websocket.Dialer{Subprotocols: []string{"mqtt"}, HandshakeTimeout: 5 * time.Second}
			if tt.protos != nil {
				d.Subprotocols = tt.protos
			}
			ws, resp, err := d.Dial(wsURL(l, "ws"), h)
			require.NotNil(t, resp, "dial: %v", err)
			_ = resp.Body.Close()
			require.Equal(t, tt.wantCode, resp.StatusCode)
			if tt.wantCode == 101 {
				require.NoError(t, err)
				require.Equal(t, d.Subprotocols[0], ws.Subprotocol())
				_ = ws.Close()
			}
		})
	}
}

// Without a configured path every path upgrades (clients differ: "/mqtt",
// "/"); a configured path is the only one.
func TestWebSocketPaths(t *testing.T) {
	tests := []struct {
		name, path, dial string
		wantCode         int
	}{
		{name: "default listener, /mqtt", dial: "/mqtt", wantCode: http.StatusSwitchingProtocols},
		{name: "default listener, root", dial: "/", wantCode: http.StatusSwitchingProtocols},
		{name: "default listener, any path", dial: "/other/path", wantCode: http.StatusSwitchingProtocols},
		{name: "configured path", path: "/ws", dial: "/ws", wantCode: http.StatusSwitchingProtocols},
		{name: "other path than configured", path: "/ws", dial: "/mqtt", wantCode: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := listenWS(t, listeners.WebSocketOptions{Path: tt.path})
			startBroker(t, nil, l)
			ws, resp, err := dialWS(t, "ws://"+l.Addr().String()+tt.dial, nil, nil)
			require.NotNil(t, resp, "dial: %v", err)
			_ = resp.Body.Close()
			require.Equal(t, tt.wantCode, resp.StatusCode)
			if tt.wantCode != http.StatusSwitchingProtocols {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			pc := connectPaho(t, listeners.NewClientConn(ws), "ws-path")
			pc.roundTrip(t, "ws/path", "hello on "+tt.dial)
		})
	}
	l := listenWS(t, listeners.WebSocketOptions{})
	require.Equal(t, listeners.DefaultWebSocketPath, l.Path())
	require.NoError(t, l.Close())
}

func TestWebSocketCloseWithoutServe(t *testing.T) {
	l := listenWS(t, listeners.WebSocketOptions{})
	require.NoError(t, l.Close())
	require.NoError(t, l.Serve(nil))
}
