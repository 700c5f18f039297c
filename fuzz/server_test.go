// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// serveDeadline bounds how long the server may take to end a connection
// whose client has gone: longer is a hang.
const serveDeadline = 5 * time.Second

// fuzzServer is one broker shared by the inputs of a fuzzing run, on a
// loopback TCP listener (the production read path), with small limits so
// that state left by one input stays small, and an inline subscriber to
// "#" so that every accepted PUBLISH is routed somewhere.
type fuzzServer struct {
	srv  *broker.Server
	addr string
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	srv := broker.New(broker.Options{
		Logger:         slog.New(slog.DiscardHandler),
		ConnectTimeout: time.Second,
		WriteTimeout:   time.Second,
		SysInterval:    -1,
		Capabilities: broker.Capabilities{
			MaximumPacketSize:    64 << 10,
			MaximumSessionExpiry: 1,
			ServerKeepAlive:      5,
		},
		Limits: broker.Limits{
			MaxQueuedMessages:         100,
			MaxSubscriptionsPerClient: 100,
			MaxRetained:               100,
			MaxRetainedBytes:          1 << 20,
			PublishBackpressure:       50 * time.Millisecond,
		},
	})
	require.NoError(tb, srv.AddHook(broker.AllowAll{}))
	ln, err := broker.ListenTCP("fuzz", "127.0.0.1:0")
	require.NoError(tb, err)
	require.NoError(tb, srv.AddListener(ln))
	require.NoError(tb, srv.Serve())
	require.NoError(tb, srv.Subscribe("#", 1, func(broker.InlineSubscription, *codec.Publish) {}))
	tb.Cleanup(func() { require.NoError(tb, srv.Close()) })
	return &fuzzServer{srv: srv, addr: ln.Addr().String()}
}

// session plays stream to the server as one client connection, half-closes
// it, and reads everything the server answers until the server closes the
// connection, which it must do within serveDeadline: longer is a hang.
// It returns the answer.
func (fs *fuzzServer) session(t *testing.T, stream []byte) []byte {
	t.Helper()
	nc, err := net.DialTimeout("tcp", fs.addr, serveDeadline)
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(serveDeadline)))
	// The server may stop reading at any point (a refused CONNECT, a
	// protocol error): a failed write is an answer, not a failure.
	_, _ = nc.Write(stream)
	_ = nc.(*net.TCPConn).CloseWrite()
	var answer bytes.Buffer
	_, err = io.Copy(&answer, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection within %v of the client's end of input (input %x)", serveDeadline, stream)
	}
	return answer.Bytes()
}

// probe checks that the server still serves a well-behaved client: CONNECT,
// SUBSCRIBE, PUBLISH QoS 1 to itself, and the message comes back.
func (fs *fuzzServer) probe(t testing.TB) {
	t.Helper()
	client, err := net.DialTimeout("tcp", fs.addr, serveDeadline)
	require.NoError(t, err)
	defer client.Close()
	require.NoError(t, client.SetDeadline(time.Now().Add(serveDeadline)))
	r := codec.NewReader(client, 1<<20)
	send := func(p codec.Packet) {
		b, err := codec.Append(nil, p, codec.V5)
		require.NoError(t, err)
		_, err = client.Write(b)
		require.NoError(t, err, "the server stopped serving well-behaved clients")
	}
	expect := func(want codec.Type) codec.Packet {
		for {
			h, body, err := r.ReadFrame()
			require.NoError(t, err, "waiting for %s from the server", want)
			p, err := codec.Decode(h, body, codec.V5)
			require.NoError(t, err)
			if h.Type == want {
				return p
			}
		}
	}
	send(&codec.Connect{ProtocolVersion: codec.V5, CleanStart: true, ClientID: "probe"})
	require.Equal(t, codec.Success, expect(codec.CONNACK).(*codec.Connack).ReasonCode)
	send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "probe/echo", QoS: 1}}})
	expect(codec.SUBACK)
	send(&codec.Publish{QoS: 1, PacketID: 2, Topic: "probe/echo", Payload: []byte("still serving")})
	for {
		p := expect(codec.PUBLISH).(*codec.Publish)
		if p.Topic == "probe/echo" {
			require.Equal(t, "still serving", string(p.Payload))
			break
		}
	}
	send(&codec.Disconnect{})
}

// connectPrefix is a valid CONNECT for the version selected by sel, so
// that most inputs reach the connected state; sel's high bit sends none,
// leaving the first packet to the input.
func connectPrefix(t *testing.T, sel byte) []byte {
	if sel&0x80 != 0 {
		return nil
	}
	v := versions[int(sel&0x7f)%len(versions)]
	b, err := codec.Append(nil, &codec.Connect{ProtocolVersion: v, CleanStart: true, ClientID: "fuzz", KeepAlive: 5}, v)
	require.NoError(t, err)
	return b
}

// FuzzServer plays arbitrary bytes to a live server as one client
// connection (after a valid CONNECT, mostly) and checks what the brief
// asks of bad input: no panic, no hang (the connection ends once the
// client hangs up), and the server keeps serving everyone else. The seeds
// are the golden catalogue's packets, legal and malformed, alone and
// after a SUBSCRIBE.
func FuzzServer(f *testing.F) {
	sub, err := codec.Append(nil, &codec.Subscribe{PacketID: 9, Subscriptions: []codec.Subscription{{Filter: "#", QoS: 2}}}, codec.V5)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range loadSeeds(f) {
		for _, v := range s.versions {
			sel := byte(0)
			for i, vv := range versions {
				if vv == v {
					sel = byte(i)
				}
			}
			f.Add(append([]byte{sel}, s.wire...))
			f.Add(append(append([]byte{sel}, sub...), s.wire...))
			if s.wire[0]>>4 == byte(codec.CONNECT) {
				f.Add(append([]byte{sel | 0x80}, s.wire...))
			}
		}
	}
	fs := newFuzzServer(f)
	// Whatever the inputs did, a well-behaved client is still served
	// (cleanups run last first: before the server closes).
	f.Cleanup(func() { fs.probe(f) })
	var runs int
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		stream := append(connectPrefix(t, data[0]), data[1:]...)
		fs.session(t, stream)
		if runs++; runs%64 == 0 {
			fs.probe(t)
		}
	})
}

// TestFuzzServerProbe checks the harness itself: a session answers a valid
// CONNECT with CONNACK, and the probe round trip works.
func TestFuzzServerProbe(t *testing.T) {
	fs := newFuzzServer(t)
	answer := fs.session(t, connectPrefix(t, 2))
	h, _, err := codec.ParseHeader(answer)
	require.NoError(t, err)
	require.Equal(t, codec.CONNACK, h.Type)
	fs.probe(t)
	// A first packet that is not CONNECT gets the connection closed
	// without an answer [MQTT-3.1.0-1].
	ping, err := codec.Append(nil, &codec.Pingreq{}, codec.V5)
	require.NoError(t, err)
	require.Empty(t, fs.session(t, ping))
}
