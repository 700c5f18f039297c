// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestConnectAccepted: a well-formed CONNECT of each protocol level is
// accepted with CONNACK 0 and Session Present 0 on a clean start.
// [MQTT-3.1.4-5] (v3.1.1 [MQTT-3.1.4-4]) [MQTT-3.2.2-2] (v3.1.1
// [MQTT-3.2.2-1]) [MQTT-3.2.0-1]
func TestConnectAccepted(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			c, ack := connect(t, ts, v, "c-"+vname(v))
			require.False(t, ack.SessionPresent)
			if v != codec.V5 {
				// No v5 property is ever sent to a v3 client; the v3
				// decoder would have failed on one.
				require.Equal(t, codec.Properties{}, ack.Properties)
			}
			c.barrier()
			c.disconnect()
		})
	}
}

// TestConnectUnsupportedLevel: an unknown protocol level is refused with
// the v3 return code 0x01, or 0x84 when the client speaks v5, then the
// connection is closed. A name that does not match a v5 level gets 0x84
// too; at a v3 level the client may speak another protocol, and the
// connection is closed without a CONNACK, as by Mosquitto and VerneMQ.
// [MQTT-3.1.2-1] [MQTT-3.1.2-2] (v3.1.1 [MQTT-3.1.2-1] [MQTT-3.1.2-2])
// [MQTT-3.2.2-6]
func TestConnectUnsupportedLevel(t *testing.T) {
	ts := startServer(t, broker.Options{})
	tests := []struct {
		name   string
		readAs codec.Version
		pk     *codec.Connect
		code   codec.ReasonCode
	}{
		{"level 6", codec.V311, &codec.Connect{ProtocolVersion: 6, ClientID: "x", CleanStart: true}, codec.ConnackV3UnacceptableProtocolVersion},
		{"level 2", codec.V311, &codec.Connect{ProtocolVersion: 2, ClientID: "x", CleanStart: true}, codec.ConnackV3UnacceptableProtocolVersion},
		{"level 4 named MQIsdp", codec.V311, &codec.Connect{ProtocolName: "MQIsdp", ProtocolVersion: 4, ClientID: "x", CleanStart: true}, 0},
		{"level 4 named MQTX", codec.V311, &codec.Connect{ProtocolName: "MQTX", ProtocolVersion: 4, ClientID: "x", CleanStart: true}, 0},
		{"level 3 named MQTT", codec.V311, &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: 3, ClientID: "x", CleanStart: true}, 0},
		{"level 5 named MQIsdp", codec.V5, &codec.Connect{ProtocolName: "MQIsdp", ProtocolVersion: 5, ClientID: "x", CleanStart: true}, codec.UnsupportedProtocolVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts, tt.readAs)
			c.sendIllegal(tt.pk)
			if tt.code == 0 {
				c.expectClosed() // no CONNACK
				return
			}
			ack := expectT[*codec.Connack](c)
			require.Equal(t, tt.code, ack.ReasonCode)
			require.False(t, ack.SessionPresent)
			c.expectClosed()
		})
	}
}

// TestConnectClientID covers the client identifier rules: an empty
// identifier gets an assigned one (returned to v5 clients in Assigned
// Client Identifier), except with v3.1.1 Clean Session 0 and in v3.1,
// which are refused with return code 0x02, as is a v3.1 identifier of
// more than 23 characters.
// [MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16] (v3.1.1 [MQTT-3.1.3-6]
// [MQTT-3.1.3-8] [MQTT-3.1.3-9])
func TestConnectClientID(t *testing.T) {
	ts := startServer(t, broker.Options{})
	id23, id24 := strings.Repeat("é", 23), strings.Repeat("é", 24) // characters, not bytes
	tests := []struct {
		name     string
		v        codec.Version
		id       string
		clean    bool
		code     codec.ReasonCode
		assigned bool
	}{
		{"v5 empty clean", codec.V5, "", true, codec.Success, true},
		{"v5 empty not clean", codec.V5, "", false, codec.Success, true},
		{"v3.1.1 empty clean", codec.V311, "", true, codec.ConnackV3Accepted, false},
		{"v3.1.1 empty not clean", codec.V311, "", false, codec.ConnackV3IdentifierRejected, false},
		{"v3.1 empty", codec.V31, "", true, codec.ConnackV3IdentifierRejected, false},
		// MQTT 3.1 identifiers have 1 to 23 characters; later versions
		// allow longer ones.
		{"v3.1 23 characters", codec.V31, id23, true, codec.ConnackV3Accepted, false},
		{"v3.1 24 characters", codec.V31, id24, true, codec.ConnackV3IdentifierRejected, false},
		{"v3.1.1 24 characters", codec.V311, id24, true, codec.ConnackV3Accepted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts, tt.v)
			pk := newConnect(tt.v, tt.id)
			pk.CleanStart = tt.clean
			ack := c.connect(pk)
			require.Equal(t, tt.code, ack.ReasonCode)
			if tt.code != codec.Success {
				require.False(t, ack.SessionPresent) // [MQTT-3.2.2-6]
				c.expectClosed()
				return
			}
			if tt.assigned {
				require.NotNil(t, ack.Properties.AssignedClientID)
				require.NotEmpty(t, *ack.Properties.AssignedClientID)
			}
			c.barrier()
		})
	}
	// Two assigned identifiers are distinct.
	a := dial(t, ts, codec.V5).connect(newConnect(codec.V5, ""))
	b := dial(t, ts, codec.V5).connect(newConnect(codec.V5, ""))
	require.NotEqual(t, *a.Properties.AssignedClientID, *b.Properties.AssignedClientID)
}

// TestDenyAllByDefault: a server without an authentication hook refuses
// every client: v5 with 0x87 Not authorized, v3 with return code 5.
// [MQTT-3.2.2-7] (v3.1.1 [MQTT-3.2.2-5])
func TestDenyAllByDefault(t *testing.T) {
	ts := startServerHooks(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			c := dial(t, ts, v)
			ack := c.connect(newConnect(v, "denied"))
			want := codec.NotAuthorized
			if v != codec.V5 {
				want = codec.ConnackV3NotAuthorized
			}
			require.Equal(t, want, ack.ReasonCode)
			require.False(t, ack.SessionPresent)
			c.expectClosed()
		})
	}
}

// TestCleanStartAndSessionPresent: a persistent session is resumed with
// Session Present 1 and keeps its subscriptions; Clean Start 1 discards it.
// [MQTT-3.1.2-4] [MQTT-3.1.2-5] [MQTT-3.1.2-6] [MQTT-3.2.2-2] [MQTT-3.2.2-3]
// (v3.1.1 [MQTT-3.1.2-4] [MQTT-3.1.2-6] [MQTT-3.2.2-1] [MQTT-3.2.2-2] [MQTT-3.2.2-3])
func TestCleanStartAndSessionPresent(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			id := "persist-" + vname(v)
			c, ack := connect(t, ts, v, id, persistent(300))
			require.False(t, ack.SessionPresent, "no session yet") // [MQTT-3.1.2-6] v5
			c.sub("cs/"+vname(v), 1)
			c.disconnect()

			c, ack = connect(t, ts, v, id, persistent(300))
			requirePresent(t, v, ack)
			pub := connectC(t, ts, codec.V5, "cs-pub-"+vname(v))
			pub.pub("cs/"+vname(v), "kept", 1, false)
			require.Equal(t, "kept", string(c.recv().Payload), "the subscription survived")
			c.disconnect()

			c, ack = connect(t, ts, v, id) // clean start
			require.False(t, ack.SessionPresent)
			pub.pub("cs/"+vname(v), "gone", 1, false)
			c.barrier() // the subscription was discarded
			c.disconnect()
			pub.disconnect()
		})
	}
}

// TestSessionExpiry covers the v5 Session Expiry Interval: 0 ends the
// session with the connection, a positive interval keeps it, DISCONNECT
// may change it, but not from 0 to non-zero (0x82).
// [MQTT-3.1.2-23] [MQTT-4.1.0-2] [MQTT-3.14.2-2... client side] [MQTT-4.13.1-1]
func TestSessionExpiry(t *testing.T) {
	ts := startServer(t, broker.Options{})
	tests := []struct {
		name       string
		connect    uint32
		disconnect *uint32
		present    bool
		protoErr   bool
	}{
		{"0 ends at disconnect", 0, nil, false, false},
		{"positive survives", 60, nil, true, false},
		{"set to 0 at DISCONNECT", 60, codec.Ptr(uint32(0)), false, false},
		{"changed at DISCONNECT", 60, codec.Ptr(uint32(120)), true, false},
		{"0 to non-zero at DISCONNECT", 0, codec.Ptr(uint32(60)), false, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "exp-" + string(rune('a'+i))
			c, _ := connect(t, ts, codec.V5, id, persistent(tt.connect))
			d := &codec.Disconnect{}
			d.Properties.SessionExpiry = tt.disconnect
			c.send(d)
			if tt.protoErr {
				c.expectDisconnect(codec.ProtocolError)
			} else {
				c.expectClosed()
			}
			c, ack := connect(t, ts, codec.V5, id, persistent(60))
			require.Equal(t, tt.present, ack.SessionPresent)
			c.disconnect()
		})
	}
}

// holdFirstConnack holds the first connection of a client identifier
// between the queueing of its CONNACK and its flush (OnSessionEstablished
// runs there), until release is closed.
type holdFirstConnack struct {
	id      string
	held    chan struct{}
	release chan struct{}
	done    atomic.Bool
}

func (*holdFirstConnack) ID() string { return "hold-first-connack" }
func (h *holdFirstConnack) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, _ bool) {
	if cl.ID != h.id {
		return
	}
	if h.done.CompareAndSwap(false, true) {
		close(h.held)
		<-h.release
	}
}

// TestTakeoverRightAfterConnect: a connection taken over between the
// queueing of its CONNACK and the write still receives the CONNACK and then
// DISCONNECT 0x8E (it used to be closed with neither).
// [MQTT-3.1.4-3] [MQTT-3.2.0-1]
func TestTakeoverRightAfterConnect(t *testing.T) {
	h := &holdFirstConnack{id: "to-early", held: make(chan struct{}), release: make(chan struct{})}
	ts := startServer(t, broker.Options{}, h)
	first := dial(t, ts, codec.V5)
	first.send(newConnect(codec.V5, "to-early"))
	<-h.held
	second, _ := connect(t, ts, codec.V5, "to-early")
	close(h.release)
	ack := expectT[*codec.Connack](first)
	require.Equal(t, codec.Success, ack.ReasonCode)
	first.expectDisconnect(codec.SessionTakenOver)
	second.barrier()
}

// TestSessionTakeover: a second connection with the same client
// identifier takes the session over; the old v5 connection receives
// DISCONNECT 0x8E, an old v3 connection is closed.
// [MQTT-3.1.4-3] (v3.1.1 [MQTT-3.1.4-2])
func TestSessionTakeover(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			id := "takeover-" + vname(v)
			old := connectC(t, ts, v, id, persistent(60))
			old.sub("to/"+vname(v), 1)
			nw, ack := connect(t, ts, v, id, persistent(60))
			requirePresent(t, v, ack)
			old.expectEnd(codec.SessionTakenOver)
			pub := connectC(t, ts, codec.V5, "to-pub-"+vname(v))
			pub.pub("to/"+vname(v), "x", 1, false)
			require.Equal(t, "x", string(nw.recv().Payload))
			nw.disconnect()
		})
	}
}

// TestKeepAliveTimeout: a client silent for 1.5 times its keep alive is
// disconnected; one that keeps pinging is not.
// [MQTT-3.1.2-22] (v3.1.1 [MQTT-3.1.2-24])
func TestKeepAliveTimeout(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			c := dial(t, ts, v)
			pk := newConnect(v, "ka-"+vname(v))
			pk.KeepAlive = 1
			require.Equal(t, codec.Success, c.connect(pk).ReasonCode)
			// Within the generous deadline the server closes the
			// connection (after ~1.5 s); a v5 client may first get 0x8D.
			pkt, err := c.read(waitFor)
			if err == nil {
				d, ok := pkt.(*codec.Disconnect)
				require.True(t, ok, "got %T", pkt)
				require.Equal(t, codec.KeepAliveTimeout, d.ReasonCode)
				_, err = c.read(waitFor)
			}
			require.True(t, isClosed(err), "expected close, got %v", err)
		})
	}
}

// TestConnectTimeout: a connection that sends no CONNECT is closed after
// Options.ConnectTimeout.
func TestConnectTimeout(t *testing.T) {
	ts := startServer(t, broker.Options{ConnectTimeout: 100_000_000})
	c := dial(t, ts, codec.V5)
	c.expectClosed()
}

// TestFirstPacketNotConnect: the first packet must be CONNECT; anything
// else closes the connection without CONNACK.
// [MQTT-3.1.0-1] (v3.1.1 [MQTT-3.1.0-1])
func TestFirstPacketNotConnect(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := dial(t, ts, codec.V5)
	c.send(&codec.Pingreq{})
	c.expectClosed()
}

// TestLargeFirstPacketRefusedOnItsHeader: a first packet that is not
// CONNECT, or a packet other than AUTH during enhanced authentication,
// is refused as soon as its fixed header arrives, without waiting for
// (or making room for) the body it announces: the client here sends the
// header of a 1 MB packet and nothing else, and the connect timeout is
// far longer than the wait for the close (Mosquitto's CVE-2023-0809).
func TestLargeFirstPacketRefusedOnItsHeader(t *testing.T) {
	ts := startServer(t, broker.Options{ConnectTimeout: time.Hour}, tokenAuth{})
	header := []byte{0x30, 0xf0, 0xff, 0x3f} // PUBLISH, remaining length 1,048,560
	c := dial(t, ts, codec.V5)
	c.write(header)
	c.expectClosed()
	c = dial(t, ts, codec.V5)
	c.write([]byte{0xe0, 0xf0, 0xff, 0x3f}) // DISCONNECT, the same length
	c.expectClosed()

	c = dial(t, ts, codec.V5)
	c.send(newConnect(codec.V5, "auth-then-big", withToken("more")))
	require.Equal(t, codec.ContinueAuthentication, expectT[*codec.Auth](c).ReasonCode)
	c.write(header)
	require.Equal(t, codec.ProtocolError, expectT[*codec.Connack](c).ReasonCode)
	c.expectClosed()

	// A client may give up an exchange with DISCONNECT: closed, no CONNACK.
	c = dial(t, ts, codec.V5)
	c.send(newConnect(codec.V5, "auth-then-leave", withToken("more")))
	require.Equal(t, codec.ContinueAuthentication, expectT[*codec.Auth](c).ReasonCode)
	c.send(&codec.Disconnect{})
	c.expectClosed()

	// CONNECT itself is read whole, and packets may follow it at once.
	c = dial(t, ts, codec.V5)
	conn, err := codec.Append(nil, newConnect(codec.V5, "pipelined"), codec.V5)
	require.NoError(t, err)
	ping, err := codec.Append(nil, &codec.Pingreq{}, codec.V5)
	require.NoError(t, err)
	c.write(append(conn, ping...))
	require.Equal(t, codec.Success, expectT[*codec.Connack](c).ReasonCode)
	expectT[*codec.Pingresp](c)
}

// TestServerKeepAlive: a Server Keep Alive overrides the client's keep
// alive and is sent in CONNACK. [MQTT-3.2.2-21] [MQTT-3.2.2-22]
func TestServerKeepAlive(t *testing.T) {
	ts := startServer(t, broker.Options{Capabilities: broker.Capabilities{ServerKeepAlive: 20}})
	c := dial(t, ts, codec.V5)
	pk := newConnect(codec.V5, "ska")
	pk.KeepAlive = 0
	ack := c.connect(pk)
	require.NotNil(t, ack.Properties.ServerKeepAlive)
	require.Equal(t, uint16(20), *ack.Properties.ServerKeepAlive)
	pk.ClientID, pk.KeepAlive = "ska2", 10
	ack = dial(t, ts, codec.V5).connect(pk)
	require.Nil(t, ack.Properties.ServerKeepAlive, "a shorter keep alive is kept")
}

// TestServerKeepAliveRefusesLongerV3: a v3 client cannot be told a
// shorter keep alive, so one asking for more than the server keep alive,
// or for none, is refused with return code 0x02, as by Mosquitto's
// max_keepalive; one within it connects.
func TestServerKeepAliveRefusesLongerV3(t *testing.T) {
	ts := startServer(t, broker.Options{Capabilities: broker.Capabilities{ServerKeepAlive: 20}})
	for _, v := range []codec.Version{codec.V31, codec.V311} {
		for _, ka := range []uint16{0, 21, 65535} {
			pk := newConnect(v, "ska-v3")
			pk.KeepAlive = ka
			c := dial(t, ts, v)
			require.Equal(t, codec.ConnackV3IdentifierRejected, c.connect(pk).ReasonCode, "v%d keep alive %d", v, ka)
			c.expectClosed()
		}
		pk := newConnect(v, "ska-v3")
		pk.KeepAlive = 20
		require.Equal(t, codec.Success, dial(t, ts, v).connect(pk).ReasonCode)
	}
}
