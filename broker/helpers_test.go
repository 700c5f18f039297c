// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its test: every
// server must leave nothing behind after Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor bounds every expected event; it is a deadline, not a delay.
const waitFor = 5 * time.Second

// testServer is a running server with one TCP listener on 127.0.0.1:0.
type testServer struct {
	*broker.Server
	addr string
}

// startServer starts a server with opts and the AllowAll hook followed by
// hooks. $SYS publishing is off unless opts sets an interval.
func startServer(t testing.TB, opts broker.Options, hooks ...broker.Hook) *testServer {
	t.Helper()
	return startServerHooks(t, opts, append([]broker.Hook{broker.AllowAll{}}, hooks...)...)
}

// startServerHooks starts a server with exactly the given hooks.
func startServerHooks(t testing.TB, opts broker.Options, hooks ...broker.Hook) *testServer {
	t.Helper()
	if opts.SysInterval == 0 {
		opts.SysInterval = -1
	}
	if opts.Logger == nil && os.Getenv("WRENMQ_TEST_LOG") == "" {
		opts.Logger = discardLogger
	}
	srv := broker.New(opts)
	for _, h := range hooks {
		require.NoError(t, srv.AddHook(h))
	}
	ln, err := broker.ListenTCP("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(ln))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { _ = srv.Close() })
	return &testServer{Server: srv, addr: ln.Addr().String()}
}

// client is a raw MQTT client built on the codec: it sends exactly the
// packets a test asks for and reads exactly what the server sends.
type client struct {
	t  testing.TB
	nc net.Conn
	r  *codec.Reader
	v  codec.Version
	id uint16
}

// dial opens a TCP connection speaking protocol version v.
func dial(t testing.TB, ts *testServer, v codec.Version) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", ts.addr, waitFor)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &client{t: t, nc: nc, r: codec.NewReader(nc, 0), v: v}
}

// connectOpt changes the CONNECT a helper sends.
type connectOpt func(*codec.Connect)

// persistent asks for a session that outlives the connection: Clean Start
// 0, and for v5 the given Session Expiry Interval.
func persistent(expiry uint32) connectOpt {
	return func(c *codec.Connect) {
		c.CleanStart = false
		if c.ProtocolVersion == codec.V5 {
			c.Properties.SessionExpiry = codec.Ptr(expiry)
		}
	}
}

// newConnect returns a clean-start CONNECT for id at version v.
func newConnect(v codec.Version, id string, opts ...connectOpt) *codec.Connect {
	c := &codec.Connect{ProtocolVersion: v, ClientID: id, CleanStart: true, KeepAlive: 60}
	for _, o := range opts {
		o(c)
	}
	return c
}

// connect dials and connects id, requiring CONNACK Success.
func connect(t testing.TB, ts *testServer, v codec.Version, id string, opts ...connectOpt) (*client, *codec.Connack) {
	t.Helper()
	c := dial(t, ts, v)
	ack := c.connect(newConnect(v, id, opts...))
	require.Equal(t, codec.Success, ack.ReasonCode, "CONNACK of %s", id)
	return c, ack
}

// connectC is connect without the CONNACK.
func connectC(t testing.TB, ts *testServer, v codec.Version, id string, opts ...connectOpt) *client {
	t.Helper()
	c, _ := connect(t, ts, v, id, opts...)
	return c
}

// connect sends pk and returns the CONNACK.
func (c *client) connect(pk *codec.Connect) *codec.Connack {
	c.t.Helper()
	c.send(pk)
	return expectT[*codec.Connack](c)
}

// send encodes pk for the client's version (validated) and writes it.
func (c *client) send(pk codec.Packet) {
	c.t.Helper()
	b, err := codec.Append(nil, pk, c.v)
	require.NoError(c.t, err, "encode %T", pk)
	c.write(b)
}

// sendIllegal writes pk without validation.
func (c *client) sendIllegal(pk codec.Packet) {
	c.t.Helper()
	b, err := codec.Encoder{Version: c.v, AllowIllegal: true}.Append(nil, pk)
	require.NoError(c.t, err)
	c.write(b)
}

func (c *client) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(waitFor))
	_, err := c.nc.Write(b)
	require.NoError(c.t, err)
}

// read returns the next packet within the deadline; a PUBLISH is cloned
// so that it stays valid after the next read.
func (c *client) read(d time.Duration) (codec.Packet, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	pk, err := c.r.ReadPacket(c.v)
	if err != nil {
		return nil, err
	}
	if p, ok := pk.(*codec.Publish); ok {
		pk = p.Clone()
	}
	return pk, nil
}

// expect returns the next packet, failing the test when none arrives.
func (c *client) expect() codec.Packet {
	c.t.Helper()
	pk, err := c.read(waitFor)
	require.NoError(c.t, err, "expecting a packet")
	return pk
}

// expectT returns the next packet, which must be of type T.
func expectT[T codec.Packet](c *client) T {
	c.t.Helper()
	pk := c.expect()
	v, ok := pk.(T)
	require.True(c.t, ok, "expected %T, got %T %+v", *new(T), pk, pk)
	return v
}

// expectPublish returns the next packet, which must be a PUBLISH.
func (c *client) expectPublish() *codec.Publish {
	c.t.Helper()
	return expectT[*codec.Publish](c)
}

// expectDisconnect expects a DISCONNECT with code, then the close.
func (c *client) expectDisconnect(code codec.ReasonCode) {
	c.t.Helper()
	d := expectT[*codec.Disconnect](c)
	require.Equal(c.t, code, d.ReasonCode, "DISCONNECT reason code: %s", d.ReasonCode)
	c.expectClosed()
}

// expectClosed expects the server to close the connection without
// sending anything more.
func (c *client) expectClosed() {
	c.t.Helper()
	pk, err := c.read(waitFor)
	require.Error(c.t, err, "expected the connection to close, got %T %+v", pk, pk)
	var ne net.Error
	require.False(c.t, errors.As(err, &ne) && ne.Timeout(), "the connection was not closed: %v", err)
}

// closedOrDisconnect accepts either a DISCONNECT with code then close, or
// (for v3) a plain close.
func (c *client) expectEnd(code codec.ReasonCode) {
	c.t.Helper()
	if c.v == codec.V5 {
		c.expectDisconnect(code)
		return
	}
	c.expectClosed()
}

// barrier proves that nothing was sent before it: a PINGREQ must be
// answered by the very next packet being PINGRESP. Packets are handled in
// order, so anything queued for the client earlier would come first.
func (c *client) barrier() {
	c.t.Helper()
	c.send(&codec.Pingreq{})
	pk := c.expect()
	require.IsType(c.t, &codec.Pingresp{}, pk, "expected nothing before PINGRESP, got %+v", pk)
}

// drain acknowledges and counts the PUBLISH packets that arrive before the
// PINGRESP of a barrier.
func (c *client) drain() int {
	c.t.Helper()
	c.send(&codec.Pingreq{})
	n := 0
	for {
		switch p := c.expect().(type) {
		case *codec.Publish:
			c.ack(p)
			n++
		case *codec.Pingresp:
			return n
		default:
			c.t.Fatalf("unexpected %T while draining", p)
		}
	}
}

func (c *client) nextID() uint16 {
	c.id++
	if c.id == 0 {
		c.id = 1
	}
	return c.id
}

// subscribe subscribes and returns the SUBACK codes.
func (c *client) subscribe(subs ...codec.Subscription) []codec.ReasonCode {
	c.t.Helper()
	return c.subscribeP(codec.Properties{}, subs...)
}

func (c *client) subscribeP(props codec.Properties, subs ...codec.Subscription) []codec.ReasonCode {
	c.t.Helper()
	id := c.nextID()
	c.send(&codec.Subscribe{PacketID: id, Properties: props, Subscriptions: subs})
	ack := expectT[*codec.Suback](c)
	require.Equal(c.t, id, ack.PacketID) // [MQTT-3.8.4-2]
	require.Len(c.t, ack.ReasonCodes, len(subs))
	return ack.ReasonCodes
}

// sub subscribes to one filter and requires it granted at qos.
func (c *client) sub(filter string, qos codec.QoS) {
	c.t.Helper()
	codes := c.subscribe(codec.Subscription{Filter: filter, QoS: qos})
	require.Equal(c.t, codec.ReasonCode(qos), codes[0], "SUBACK for %q", filter)
}

// pub publishes and completes the publisher's side of the flow.
func (c *client) pub(topic, payload string, qos codec.QoS, retain bool) {
	c.t.Helper()
	c.pubP(&codec.Publish{Topic: topic, Payload: []byte(payload), QoS: qos, Retain: retain})
}

// pubP publishes p (setting its packet identifier) and completes the flow;
// it returns the reason code of PUBACK or PUBREC.
func (c *client) pubP(p *codec.Publish) codec.ReasonCode {
	c.t.Helper()
	if p.QoS > 0 {
		p.PacketID = c.nextID()
	}
	c.send(p)
	switch p.QoS {
	case 1:
		ack := expectT[*codec.Puback](c)
		require.Equal(c.t, p.PacketID, ack.PacketID)
		return ack.ReasonCode
	case 2:
		rec := expectT[*codec.Pubrec](c)
		require.Equal(c.t, p.PacketID, rec.PacketID)
		if rec.ReasonCode.IsError() {
			return rec.ReasonCode
		}
		c.send(&codec.Pubrel{PacketID: p.PacketID})
		comp := expectT[*codec.Pubcomp](c)
		require.Equal(c.t, p.PacketID, comp.PacketID)
		return rec.ReasonCode
	}
	return codec.Success
}

// recv expects a PUBLISH and completes the receiver's side of its flow.
func (c *client) recv() *codec.Publish {
	c.t.Helper()
	p := c.expectPublish()
	c.ack(p)
	return p
}

// ack acknowledges a received PUBLISH (PUBACK, or PUBREC/PUBREL/PUBCOMP).
func (c *client) ack(p *codec.Publish) {
	c.t.Helper()
	switch p.QoS {
	case 1:
		c.send(&codec.Puback{PacketID: p.PacketID})
	case 2:
		c.send(&codec.Pubrec{PacketID: p.PacketID})
		rel := expectT[*codec.Pubrel](c)
		require.Equal(c.t, p.PacketID, rel.PacketID)
		c.send(&codec.Pubcomp{PacketID: p.PacketID})
	}
}

// disconnect sends a normal DISCONNECT and closes the connection.
func (c *client) disconnect() {
	c.t.Helper()
	c.send(&codec.Disconnect{})
	c.expectClosed()
	_ = c.nc.Close()
}

// close drops the network connection without DISCONNECT.
func (c *client) close() { _ = c.nc.Close() }

// eventually polls cond until it holds or the deadline passes; it is for
// server state that no packet reveals (counters).
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %s", waitFor, msg)
		}
		time.Sleep(time.Millisecond) // polling, not synchronisation by delay
	}
}

var allVersions = []codec.Version{codec.V31, codec.V311, codec.V5}

func vname(v codec.Version) string {
	switch v {
	case codec.V31:
		return "v3.1"
	case codec.V311:
		return "v3.1.1"
	}
	return "v5"
}

// isClosed reports whether err means the peer closed the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

var discardLogger = slog.New(slog.DiscardHandler)

// requirePresent checks a CONNACK that resumes a session: Session Present
// is set, except for MQTT 3.1, which has no such flag (the byte is
// reserved and 0).
func requirePresent(t testing.TB, v codec.Version, ack *codec.Connack) {
	t.Helper()
	require.Equal(t, v != codec.V31, ack.SessionPresent, "session present")
}
