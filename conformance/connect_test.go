// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// scenarioBasic is the Paho interoperability "basic" test: connect,
// subscribe, publish at every QoS, receive, disconnect; in v5 and v3.1.1.
// [MQTT-3.1.4-5] [MQTT-3.2.0-1] [MQTT-3.8.4-1] [MQTT-3.3.4-1] [MQTT-4.2-1]
// Stock clients need no extension: [v3.1.1:MQTT-7.0.0-2]
// [v3.1.1:MQTT-3.1.4-4] [v3.1.1:MQTT-3.8.4-1] [v3.1.1:MQTT-3.3.4-1] [v3.1.1:MQTT-7.1.1-1]
func scenarioBasic(t *testing.T, tg *Target) {
	b := tg.Start(t)
	topic := uid("basic") + "/t"
	c := connectV5(t, b.Addr, uid("basic"))
	require.Equal(t, byte(0), c.Connack.ReasonCode)
	c.sub(2, topic)
	for q := range byte(3) {
		c.pub(topic, q, false, "qos"+string('0'+q))
	}
	for q := range byte(3) {
		m := c.recv()
		assert.Equal(t, topic, m.Topic)
		assert.Equal(t, "qos"+string('0'+q), string(m.Payload))
		assert.Equal(t, q, m.QoS)
	}

	c3 := connectV3(t, b.Addr, uid("basic3"), true)
	t3 := topic + "/v3"
	c3.sub(2, t3)
	for q := range byte(3) {
		c3.pub(t3, q, false, "v3qos"+string('0'+q))
	}
	for q := range byte(3) {
		m := c3.recv()
		assert.Equal(t, t3, m.Topic())
		assert.Equal(t, "v3qos"+string('0'+q), string(m.Payload()))
		assert.Equal(t, q, m.Qos())
	}
}

// scenarioZeroLengthClientID is the Paho "zero length clientid" test.
// [MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16]
// [v3.1.1:MQTT-3.1.3-6] [v3.1.1:MQTT-3.1.3-8] [v3.1.1:MQTT-3.1.3-9] [v3.1.1:MQTT-3.2.2-4]
func scenarioZeroLengthClientID(t *testing.T, tg *Target) {
	b := tg.Start(t)
	ids := map[string]bool{}
	for range 2 {
		c, err := dialV5(t, b.Addr, &paho.Connect{CleanStart: true, KeepAlive: 30}, v5Opts{})
		require.NoError(t, err)
		require.NotNil(t, c.Connack.Properties)
		id := c.Connack.Properties.AssignedClientID
		require.NotEmpty(t, id, "Assigned Client Identifier")
		require.False(t, ids[id], "assigned ids must be unique")
		ids[id] = true
		// The session really is the assigned id's: the client works.
		topic := uid("zl") + "/t"
		c.sub(1, topic)
		c.pub(topic, 1, false, "x")
		assert.Equal(t, "x", string(c.recv().Payload))
	}

	// v3.1.1: accepted with CleanSession 1, refused (0x02) with 0.
	r := dialRaw(t, b.Addr, codec.V311)
	ca := r.connect(&codec.Connect{CleanStart: true, KeepAlive: 30})
	require.Equal(t, codec.ConnackV3Accepted, ca.ReasonCode)
	r = dialRaw(t, b.Addr, codec.V311)
	ca = r.connect(&codec.Connect{CleanStart: false, KeepAlive: 30})
	require.Equal(t, codec.ReasonCode(2), ca.ReasonCode, "identifier rejected")
	require.False(t, ca.SessionPresent)
	r.expectClosed()
}

// scenarioClientIDCharacters: a 23-character identifier of the required
// characters is accepted, in v5 and v3.1.1.
// [MQTT-3.1.3-5] [v3.1.1:MQTT-3.1.3-5]
func scenarioClientIDCharacters(t *testing.T, tg *Target) {
	b := tg.Start(t)
	const chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i, v := range []codec.Version{codec.V5, codec.V311} {
		id := chars[i*23 : i*23+23]
		if !tg.InProcess() {
			// Unique on a shared broker: replace the tail with a counter.
			suffix := strings.ReplaceAll(uid("x"), "-", "")
			id = id[:23-len(suffix)] + suffix
		}
		r := dialRaw(t, b.Addr, v)
		r.connectOK(id)
	}
}

// scenarioSecondConnect: a second CONNECT is a protocol error.
// No second CONNACK and no packet before the CONNACK (expectClosed fails on
// anything but DISCONNECT; connect requires CONNACK first).
// [MQTT-3.1.0-2] [MQTT-4.13.1-1] [MQTT-3.2.0-2] [v3.1.1:MQTT-3.1.0-2] [v3.1.1:MQTT-4.8.0-1] [v3.1.1:MQTT-3.2.0-1]
func scenarioSecondConnect(t *testing.T, tg *Target) {
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		r := dialRaw(t, b.Addr, v)
		r.connectOK(uid("second"))
		r.send(&codec.Connect{ProtocolVersion: v, ClientID: uid("second"), CleanStart: true})
		r.expectDisconnect(codec.ProtocolError)
	}
}

// scenarioFirstPacketNotConnect: a connection that starts with anything
// but CONNECT is closed without a CONNACK.
// [MQTT-3.1.0-1] [v3.1.1:MQTT-3.1.0-1]
func scenarioFirstPacketNotConnect(t *testing.T, tg *Target) {
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		r := dialRaw(t, b.Addr, v)
		r.send(&codec.Publish{Topic: "x", Payload: []byte("x")})
		r.expectClosed()
		r = dialRaw(t, b.Addr, v)
		r.send(&codec.Pingreq{})
		r.expectClosed()
	}
}

// connectBody builds a CONNECT by hand: protocol name, level, flags, keep
// alive 30, (v5) empty properties, then the payload fields as given.
func connectBody(name string, level, flags byte, v5 bool, fields ...string) []byte {
	var b []byte
	str := func(s string) { b = append(b, byte(len(s)>>8), byte(len(s))); b = append(b, s...) }
	str(name)
	b = append(b, level, flags, 0, 30)
	if v5 {
		b = append(b, 0)
	}
	for _, f := range fields {
		str(f)
	}
	return b
}

// expectRefused asserts the server refuses a CONNECT: it sends no
// successful CONNACK, at most a CONNACK whose code is in codes, and closes
// the connection.
func expectRefused(t *testing.T, r *rawClient, codes ...codec.ReasonCode) {
	t.Helper()
	p, err := r.next()
	if err == nil {
		ca, ok := p.(*codec.Connack)
		require.True(t, ok, "expected CONNACK or close, got %T", p)
		require.Contains(t, codes, ca.ReasonCode, "CONNACK reason code")
		require.False(t, ca.SessionPresent)
		r.expectClosed()
	}
}

// scenarioProtocolNameAndLevel: a wrong protocol name or an unsupported
// level is refused, with 0x84 (v5) or 0x01 (v3.1.1) when a CONNACK is
// sent at all.
// [MQTT-3.1.2-1] [MQTT-3.1.2-2] [MQTT-3.2.2-6] [MQTT-3.2.2-8]
// [v3.1.1:MQTT-3.1.2-1] [v3.1.1:MQTT-3.1.2-2] [v3.1.1:MQTT-3.2.2-4] [v3.1.1:MQTT-3.2.2-5]
func scenarioProtocolNameAndLevel(t *testing.T, tg *Target) {
	b := tg.Start(t)
	r := dialRaw(t, b.Addr, codec.V5)
	r.send(&codec.Raw{Header: 0x10, RemainingLength: -1, Body: connectBody("MQTX", 5, 2, true, uid("pn"))})
	expectRefused(t, r, codec.UnsupportedProtocolVersion)

	r = dialRaw(t, b.Addr, codec.V5)
	r.send(&codec.Raw{Header: 0x10, RemainingLength: -1, Body: connectBody("MQTT", 6, 2, true, uid("pl"))})
	expectRefused(t, r, codec.UnsupportedProtocolVersion)

	// A v3.1.1-shaped CONNECT with level 7 is answered in v3 terms.
	r = dialRaw(t, b.Addr, codec.V311)
	r.send(&codec.Raw{Header: 0x10, RemainingLength: -1, Body: connectBody("MQTT", 7, 2, false, uid("pl3"))})
	p, err := r.next()
	require.NoError(t, err, "v3.1.1 requires a CONNACK 0x01 for an unsupported level")
	ca, ok := p.(*codec.Connack)
	require.True(t, ok)
	assert.Contains(t, []codec.ReasonCode{1, codec.UnsupportedProtocolVersion}, ca.ReasonCode)
	r.expectClosed()
}

// scenarioMalformedConnect: CONNECT packets that break the format are
// refused and the connection closed.
func scenarioMalformedConnect(t *testing.T, tg *Target) {
	b := tg.Start(t)
	id := uid("mc")
	rows := []struct {
		name   string
		v      codec.Version
		header byte
		body   []byte
	}{
		// [MQTT-3.1.2-3] [MQTT-3.1.4-1] [MQTT-2.1.3-1]
		{"reserved flag v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x03, true, id)},
		// [v3.1.1:MQTT-3.1.2-3] [v3.1.1:MQTT-3.1.4-1]
		{"reserved flag v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x03, false, id)},
		// [MQTT-3.1.2-11] will QoS without will flag
		{"will qos without will v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x0A, true, id)},
		// [v3.1.1:MQTT-3.1.2-11] [v3.1.1:MQTT-3.1.2-13]
		{"will qos without will v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x0A, false, id)},
		// [MQTT-3.1.2-13] will retain without will flag
		{"will retain without will v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x22, true, id)},
		// [v3.1.1:MQTT-3.1.2-15]
		{"will retain without will v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x22, false, id)},
		// [MQTT-3.1.2-12] will QoS 3
		{"will qos 3 v5", codec.V5, 0x10, append(connectBody("MQTT", 5, 0x1E, true, id), 0, 0, 1, 't', 0, 0)},
		// [v3.1.1:MQTT-3.1.2-14]
		{"will qos 3 v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x1E, false, id, "t", "")},
		// [MQTT-3.1.2-17] [MQTT-3.1.3-1] user name flag without user name
		{"user name missing v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x82, true, id)},
		// [v3.1.1:MQTT-3.1.2-19] [v3.1.1:MQTT-3.1.3-1]
		{"user name missing v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x82, false, id)},
		// [MQTT-3.1.2-19] password flag without password
		{"password missing v5", codec.V5, 0x10, connectBody("MQTT", 5, 0xC2, true, id, "u")},
		// [v3.1.1:MQTT-3.1.2-21]
		{"password missing v3", codec.V311, 0x10, connectBody("MQTT", 4, 0xC2, false, id, "u")},
		// [v3.1.1:MQTT-3.1.2-22] password without user name
		{"password without user name v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x42, false, id, "pw")},
		// [MQTT-3.1.2-9] will flag without will topic and payload
		{"will fields missing v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x06, true, id)},
		// [v3.1.1:MQTT-3.1.2-9]
		{"will fields missing v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x06, false, id)},
		// [MQTT-3.1.3-3] [MQTT-3.1.3-4] [MQTT-1.5.4-1] client id not UTF-8
		{"client id not utf-8 v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x02, true, "a\xff")},
		// [v3.1.1:MQTT-3.1.3-4] [v3.1.1:MQTT-1.5.3-1]
		{"client id not utf-8 v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x02, false, "a\xff")},
		// [MQTT-3.1.3-11] will topic not UTF-8
		{"will topic not utf-8 v5", codec.V5, 0x10, append(connectBody("MQTT", 5, 0x06, true, id), 0, 0, 2, 'a', 0xC0, 0, 0)},
		// [v3.1.1:MQTT-3.1.3-10]
		{"will topic not utf-8 v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x06, false, id, "a\xc0", "")},
		// [MQTT-3.1.3-12] [MQTT-1.5.4-2] user name with U+0000
		{"user name with null v5", codec.V5, 0x10, connectBody("MQTT", 5, 0x82, true, id, "u\x00")},
		// [v3.1.1:MQTT-3.1.3-11] [v3.1.1:MQTT-1.5.3-2]
		{"user name with null v3", codec.V311, 0x10, connectBody("MQTT", 4, 0x82, false, id, "u\x00")},
		// [MQTT-2.1.3-1] CONNECT fixed header flags must be 0
		{"connect header flags v5", codec.V5, 0x12, connectBody("MQTT", 5, 0x02, true, id)},
		// [v3.1.1:MQTT-2.2.2-1] [v3.1.1:MQTT-2.2.2-2]
		{"connect header flags v3", codec.V311, 0x12, connectBody("MQTT", 4, 0x02, false, id)},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := dialRaw(t, b.Addr, row.v)
			r.send(&codec.Raw{Header: row.header, RemainingLength: -1, Body: row.body})
			if row.v == codec.V5 {
				expectRefused(t, r, codec.MalformedPacket, codec.ProtocolError, codec.ClientIdentifierNotValid, codec.BadUsernameOrPassword)
			} else {
				expectRefused(t, r, 2, 4) // v3.1.1 has no "malformed" code; it just closes
			}
		})
	}
}

// scenarioCleanStartSessionPresent covers Clean Start and Session Present
// in v5.
// [MQTT-3.1.2-4] [MQTT-3.1.2-5] [MQTT-3.1.2-6] [MQTT-3.1.2-23] [MQTT-3.2.2-2]
// [MQTT-3.2.2-3] [MQTT-3.1.4-4] [MQTT-3.1.3-2] [MQTT-4.1.0-1]
func scenarioCleanStartSessionPresent(t *testing.T, tg *Target) {
	b := tg.Start(t)
	id, topic := uid("cs"), uid("cs")+"/t"
	expiry := uint32(60)
	cp := func(clean bool) *paho.Connect {
		return &paho.Connect{ClientID: id, CleanStart: clean, KeepAlive: 30,
			Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}}
	}
	c, err := dialV5(t, b.Addr, cp(false), v5Opts{})
	require.NoError(t, err)
	assert.False(t, c.Connack.SessionPresent, "no session yet")
	c.sub(1, topic)
	require.NoError(t, c.Disconnect(&paho.Disconnect{}))
	<-c.Done()

	c, err = dialV5(t, b.Addr, cp(false), v5Opts{})
	require.NoError(t, err)
	assert.True(t, c.Connack.SessionPresent, "session resumed")
	c.pub(topic, 1, false, "still subscribed")
	assert.Equal(t, "still subscribed", string(c.recv().Payload))
	require.NoError(t, c.Disconnect(&paho.Disconnect{}))
	<-c.Done()

	c, err = dialV5(t, b.Addr, cp(true), v5Opts{})
	require.NoError(t, err)
	assert.False(t, c.Connack.SessionPresent, "clean start discards the session")
	other := topic + "/barrier"
	c.sub(1, other)
	c.pub(topic, 1, false, "old subscription must be gone")
	barrier(t, c, c, other)
}

// scenarioSessionExpiry is the Paho "session expiry" test: a session with
// a 1 s expiry is gone 1 s after the connection closes; one with expiry 0
// ends with the connection; a DISCONNECT can lengthen it.
// [MQTT-4.1.0-2] [MQTT-3.1.2-23]
func scenarioSessionExpiry(t *testing.T, tg *Target) {
	b := tg.Start(t)
	connect := func(id string, clean bool, expiry uint32) *v5Client {
		c, err := dialV5(t, b.Addr, &paho.Connect{ClientID: id, CleanStart: clean, KeepAlive: 30,
			Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}}, v5Opts{})
		require.NoError(t, err)
		return c
	}
	short, zero, lengthened := uid("se1"), uid("se0"), uid("sel")
	for _, id := range []string{short, zero} {
		c := connect(id, true, map[string]uint32{short: 1, zero: 0}[id])
		c.sub(1, id+"/t")
		require.NoError(t, c.Disconnect(&paho.Disconnect{}))
		<-c.Done()
	}
	// (Raising an expiry of 0 on DISCONNECT is a protocol error; 1 → 60 is not.)
	c := connect(lengthened, true, 1)
	longer := uint32(60)
	require.NoError(t, c.Disconnect(&paho.Disconnect{Properties: &paho.DisconnectProperties{SessionExpiryInterval: &longer}}))
	<-c.Done()
	c = connect(zero, false, 60)
	assert.False(t, c.Connack.SessionPresent, "expiry 0: the session ended with the connection")

	// The subject of this test is the passage of time itself.
	time.Sleep(1500 * time.Millisecond)
	c = connect(short, false, 60)
	assert.False(t, c.Connack.SessionPresent, "expiry 1 s: the session is gone after 1.5 s")
	c = connect(lengthened, false, 60)
	assert.True(t, c.Connack.SessionPresent, "DISCONNECT set the expiry to 60 s")
}

// scenarioTakeover: a second connection with the same client id takes the
// session over; the first gets DISCONNECT 0x8E (v5) or is closed (v3).
// [MQTT-3.1.4-3] [v3.1.1:MQTT-3.1.4-2]
func scenarioTakeover(t *testing.T, tg *Target) {
	b := tg.Start(t)
	id := uid("to")
	first := dialRaw(t, b.Addr, codec.V5)
	first.connectOK(id)
	second := dialRaw(t, b.Addr, codec.V5)
	second.connectOK(id)
	first.expectDisconnect(codec.SessionTakenOver)

	id3 := uid("to3")
	first = dialRaw(t, b.Addr, codec.V311)
	first.connectOK(id3)
	second = dialRaw(t, b.Addr, codec.V311)
	second.connectOK(id3)
	first.expectClosed()
	second.send(&codec.Pingreq{})
	_, ok := second.read().(*codec.Pingresp)
	assert.True(t, ok, "the new connection lives on")
}

// scenarioKeepAlive is the Paho "keepalive" test: a client silent for
// 1.5 × its keep alive is disconnected (0x8D in v5); PINGREQ is answered.
// [MQTT-3.1.2-22] [MQTT-3.2.2-22] [MQTT-3.12.4-1] [v3.1.1:MQTT-3.1.2-24] [v3.1.1:MQTT-3.12.4-1]
func scenarioKeepAlive(t *testing.T, tg *Target) {
	b := tg.Start(t)
	for _, v := range []codec.Version{codec.V5, codec.V311} {
		r := dialRaw(t, b.Addr, v)
		ca := r.connect(&codec.Connect{ClientID: uid("ka"), CleanStart: true, KeepAlive: 1})
		require.Equal(t, codec.Success, ca.ReasonCode)
		require.Nil(t, ca.Properties.ServerKeepAlive, "no Server Keep Alive: the client's value applies")
		r.send(&codec.Pingreq{})
		_, ok := r.read().(*codec.Pingresp)
		require.True(t, ok, "PINGRESP")
		start := time.Now()
		// "close the Network Connection as if the network had failed";
		// a DISCONNECT 0x8D first is allowed.
		r.expectCloseOrDisconnect(codec.KeepAliveTimeout)
		el := time.Since(start)
		assert.GreaterOrEqual(t, el, time.Second, "closed before the keep alive elapsed")
		assert.Less(t, el, 3*time.Second, "not closed near 1.5 × keep alive")
	}
}

// scenarioServerKeepAlive is the Paho "server keep alive" test: a server
// that sets Server Keep Alive tells the client, and enforces its value.
func scenarioServerKeepAlive(t *testing.T, tg *Target) {
	needInProcess(t, tg)
	b := tg.Start(t, func(o *broker.Options) { o.Capabilities.ServerKeepAlive = 1 })
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("ska"), CleanStart: true, KeepAlive: 60})
	require.Equal(t, codec.Success, ca.ReasonCode)
	require.NotNil(t, ca.Properties.ServerKeepAlive)
	require.Equal(t, uint16(1), *ca.Properties.ServerKeepAlive)
	start := time.Now()
	r.expectCloseOrDisconnect(codec.KeepAliveTimeout)
	assert.Less(t, time.Since(start), 3*time.Second)
}
