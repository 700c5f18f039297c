// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// ---- v5: eclipse/paho.golang ----

// v5Client is a paho.golang client with its received messages and the
// DISCONNECT the server sent, if any, on channels.
type v5Client struct {
	*paho.Client
	t          *testing.T
	msgs       chan *paho.Publish
	disconnect chan *paho.Disconnect
	Connack    *paho.Connack
}

// v5Opts tweak the client configuration before it connects.
type v5Opts struct {
	cfg  func(*paho.ClientConfig)
	auth paho.Auther
}

// dialV5 connects a paho.golang client and returns it with the CONNACK
// (and the error paho reports when the reason code is not success). The
// client is disconnected and its goroutines waited for when t ends.
func dialV5(t *testing.T, addr string, cp *paho.Connect, o v5Opts) (*v5Client, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, waitFor)
	require.NoError(t, err)
	c := &v5Client{t: t, msgs: make(chan *paho.Publish, 1024), disconnect: make(chan *paho.Disconnect, 1)}
	cfg := paho.ClientConfig{
		Conn:        nc,
		AuthHandler: o.auth,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) { c.msgs <- pr.Packet; return true, nil },
		},
		OnServerDisconnect: func(d *paho.Disconnect) {
			select {
			case c.disconnect <- d:
			default:
			}
		},
		OnClientError: func(error) {},
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	c.Client = paho.NewClient(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	ca, err := c.Connect(ctx, cp)
	c.Connack = ca
	if err != nil {
		_ = nc.Close()
		return c, err
	}
	t.Cleanup(func() {
		_ = c.Disconnect(&paho.Disconnect{ReasonCode: 0})
		select {
		case <-c.Done():
		case <-time.After(waitFor):
			t.Error("paho client did not stop")
		}
	})
	return c, nil
}

// connectV5 connects a clean-start v5 client with the given id and fails
// the test unless the server accepts it.
func connectV5(t *testing.T, addr, id string) *v5Client {
	t.Helper()
	c, err := dialV5(t, addr, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30}, v5Opts{})
	require.NoError(t, err)
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

// sub subscribes to filters at qos and asserts they were all granted.
func (c *v5Client) sub(qos byte, filters ...string) {
	c.t.Helper()
	s := &paho.Subscribe{}
	for _, f := range filters {
		s.Subscriptions = append(s.Subscriptions, paho.SubscribeOptions{Topic: f, QoS: qos})
	}
	sa, err := c.Subscribe(ctxT(c.t), s)
	require.NoError(c.t, err)
	for _, rc := range sa.Reasons {
		require.Equal(c.t, qos, rc, "granted QoS")
	}
}

func (c *v5Client) pub(topic string, qos byte, retain bool, payload string) {
	c.t.Helper()
	_, err := c.Publish(ctxT(c.t), &paho.Publish{Topic: topic, QoS: qos, Retain: retain, Payload: []byte(payload)})
	require.NoError(c.t, err)
}

// recv returns the next message, failing the test after waitFor.
func (c *v5Client) recv() *paho.Publish {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(waitFor):
		c.t.Fatal("no message within", waitFor)
		return nil
	}
}

// recvN returns the next n messages.
func (c *v5Client) recvN(n int) []*paho.Publish {
	c.t.Helper()
	var ms []*paho.Publish
	for range n {
		ms = append(ms, c.recv())
	}
	return ms
}

// barrier proves that nothing else is on its way to c: it publishes a
// marker on topic (which c must be subscribed to at QoS >= 1) through
// from and expects the marker to be the next message c receives. Brokers
// forward one publisher's messages to a subscriber in order
// [MQTT-4.6.0-5], so anything that was going to arrive arrives first.
func barrier(t *testing.T, from, to *v5Client, topic string) {
	t.Helper()
	marker := "barrier-" + uid("m")
	from.pub(topic, 1, false, marker)
	m := to.recv()
	require.Equal(t, marker, string(m.Payload), "unexpected message %q on %q before the barrier", m.Payload, m.Topic)
}

// ---- v3.1.1: eclipse/paho.mqtt.golang ----

type v3Client struct {
	mqtt.Client
	t    *testing.T
	msgs chan mqtt.Message
}

func v3Options(addr, id string, clean bool) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetCleanSession(clean).SetAutoReconnect(false).SetConnectRetry(false).
		SetProtocolVersion(4).SetKeepAlive(30 * time.Second).SetConnectTimeout(waitFor).
		SetOrderMatters(true)
	return o
}

// dialV3 connects a paho.mqtt.golang client; messages on any subscription
// land on msgs.
func dialV3(t *testing.T, o *mqtt.ClientOptions) (*v3Client, error) {
	t.Helper()
	c := &v3Client{t: t, msgs: make(chan mqtt.Message, 1024)}
	o.SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) { c.msgs <- m })
	c.Client = mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(waitFor) {
		return c, errors.New("v3 connect timed out")
	}
	if err := tok.Error(); err != nil {
		return c, err
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c, nil
}

func connectV3(t *testing.T, addr, id string, clean bool) *v3Client {
	t.Helper()
	c, err := dialV3(t, v3Options(addr, id, clean))
	require.NoError(t, err)
	return c
}

func (c *v3Client) sub(qos byte, filters ...string) {
	c.t.Helper()
	m := map[string]byte{}
	for _, f := range filters {
		m[f] = qos
	}
	tok := c.SubscribeMultiple(m, nil)
	require.True(c.t, tok.WaitTimeout(waitFor))
	require.NoError(c.t, tok.Error())
	for f, q := range tok.(*mqtt.SubscribeToken).Result() {
		require.Equal(c.t, qos, q, "granted QoS for %s", f)
	}
}

func (c *v3Client) pub(topic string, qos byte, retain bool, payload string) {
	c.t.Helper()
	tok := c.Publish(topic, qos, retain, payload)
	require.True(c.t, tok.WaitTimeout(waitFor))
	require.NoError(c.t, tok.Error())
}

func (c *v3Client) recv() mqtt.Message {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(waitFor):
		c.t.Fatal("no message within", waitFor)
		return nil
	}
}

// ---- raw codec client ----

// rawClient speaks MQTT through codec with illegal writes allowed, for
// what no client library sends.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	r  *codec.Reader
	v  codec.Version
}

func dialRaw(t *testing.T, addr string, v codec.Version) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, waitFor)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, r: codec.NewReader(nc, 1<<21), v: v}
}

// send writes p without validating it; write errors are ignored (the
// server may already have closed the connection, which is what the
// caller checks next).
func (c *rawClient) send(p codec.Packet) {
	c.t.Helper()
	b, err := codec.Encoder{Version: c.v, AllowIllegal: true}.Append(nil, p)
	require.NoError(c.t, err)
	_, _ = c.nc.Write(b)
}

func (c *rawClient) sendBytes(b ...byte) { _, _ = c.nc.Write(b) }

// next reads the next packet or returns the read error.
func (c *rawClient) next() (codec.Packet, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(waitFor))
	return c.r.ReadPacket(c.v)
}

func (c *rawClient) read() codec.Packet {
	c.t.Helper()
	p, err := c.next()
	require.NoError(c.t, err)
	return p
}

// connect sends cp (with this client's version) and returns the CONNACK.
func (c *rawClient) connect(cp *codec.Connect) *codec.Connack {
	c.t.Helper()
	cp.ProtocolVersion = c.v
	c.send(cp)
	p := c.read()
	ca, ok := p.(*codec.Connack)
	require.True(c.t, ok, "expected CONNACK, got %T", p)
	return ca
}

// connectOK connects with a clean start and fails unless accepted.
func (c *rawClient) connectOK(id string) {
	c.t.Helper()
	ca := c.connect(&codec.Connect{ClientID: id, CleanStart: true, KeepAlive: 30})
	require.Equal(c.t, codec.Success, ca.ReasonCode)
}

// expectClosed reads until the server closes the connection, failing on
// any packet other than the DISCONNECT it may send first (v5), and
// returns that DISCONNECT's reason code (or -1 when none came).
func (c *rawClient) expectClosed() int {
	c.t.Helper()
	code := -1
	for {
		p, err := c.next()
		if err != nil {
			var ne net.Error
			require.False(c.t, errors.As(err, &ne) && ne.Timeout(), "server did not close the connection within %v", waitFor)
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				// A reset is a close too.
				c.t.Logf("connection ended with %v", err)
			}
			return code
		}
		d, ok := p.(*codec.Disconnect)
		require.True(c.t, ok, "expected the connection to close, got %T %+v", p, p)
		require.Equal(c.t, -1, code, "second DISCONNECT")
		code = int(d.ReasonCode)
	}
}

// expectDisconnect asserts the server sends DISCONNECT with want and
// closes the connection (v5), or just closes it (v3).
func (c *rawClient) expectDisconnect(want codec.ReasonCode) {
	c.t.Helper()
	got := c.expectClosed()
	if c.v == codec.V5 {
		require.Equal(c.t, int(want), got, "DISCONNECT reason code (-1: closed without DISCONNECT); want %v", want)
	}
}

// expectCloseOrDisconnect is expectDisconnect for the cases where the
// specification lets the server close without a DISCONNECT.
func (c *rawClient) expectCloseOrDisconnect(want codec.ReasonCode) {
	c.t.Helper()
	got := c.expectClosed()
	if c.v == codec.V5 && got != -1 {
		require.Equal(c.t, int(want), got, "DISCONNECT reason code; want %v", want)
	}
}
