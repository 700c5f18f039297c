// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestOfflineQueue: messages for an offline persistent session are
// queued (QoS 1 and 2; QoS 0 only with QueueQoS0Offline) and delivered in
// order on reconnect; the queue is bounded by MaxQueuedMessages.
// [MQTT-3.1.2-5 v3.1.1] [MQTT-4.5.0-1] [MQTT-4.6.0-6]
func TestOfflineQueue(t *testing.T) {
	for _, qos0 := range []bool{false, true} {
		t.Run(fmt.Sprintf("QueueQoS0Offline=%v", qos0), func(t *testing.T) {
			dc := make(disconnects, 4)
			ts := startServer(t, broker.Options{Limits: broker.Limits{MaxQueuedMessages: 5, QueueQoS0Offline: qos0}}, dc)
			for _, v := range []codec.Version{codec.V311, codec.V5} {
				id := "off-" + vname(v)
				c := connectC(t, ts, v, id, persistent(60))
				c.sub("off", 1)
				c.close()
				dc.wait(t, id)
				pub := connectC(t, ts, codec.V5, "off-pub")
				dropped := ts.Info().MessagesDropped
				var want []string
				for i := range 10 {
					q := codec.QoS(i % 3)
					pub.pub("off", fmt.Sprint(i), q, false)
					if q > 0 || qos0 {
						want = append(want, fmt.Sprint(i))
					}
				}
				want = want[:5] // MaxQueuedMessages
				pub.disconnect()
				c, ack := connect(t, ts, v, id, persistent(0))
				require.True(t, ack.SessionPresent)
				var got []string
				for range want {
					got = append(got, string(c.recv().Payload))
				}
				require.Equal(t, want, got, "in order, within the bound")
				c.barrier()
				require.Positive(t, ts.Info().MessagesDropped-dropped, "overflow counted")
				c.disconnect()
			}
		})
	}
}

// TestOfflineQueueBytes: the queue of an offline session is also bounded
// in bytes (MaxQueuedBytes): messages beyond it are dropped and counted,
// the ones kept are delivered in order, and a message alone in the queue
// is kept even when larger than the bound.
func TestOfflineQueueBytes(t *testing.T) {
	dc := make(disconnects, 4)
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxQueuedBytes: 5000}}, dc)
	c := connectC(t, ts, codec.V5, "qb", persistent(60))
	c.sub("qb/#", 1)
	c.close()
	dc.wait(t, "qb")
	pub := connectC(t, ts, codec.V5, "qb-pub")
	dropped := ts.Info().MessagesDropped
	payload := bytes.Repeat([]byte("x"), 1000) // about 1,070 bytes each as accounted
	for i := range 10 {
		pub.pubP(&codec.Publish{Topic: "qb/" + fmt.Sprint(i), QoS: 1, Payload: payload})
	}
	c, ack := connect(t, ts, codec.V5, "qb", persistent(60))
	require.True(t, ack.SessionPresent)
	for i := range 4 { // 4 x ~1,070 bytes fit in 5,000, the fifth does not
		p := c.recv()
		require.Equal(t, "qb/"+fmt.Sprint(i), p.Topic, "in order, within the bound")
	}
	c.barrier()
	require.EqualValues(t, 6, ts.Info().MessagesDropped-dropped, "overflow counted")
	c.close()
	dc.wait(t, "qb")

	pub.pubP(&codec.Publish{Topic: "qb/big", QoS: 1, Payload: bytes.Repeat([]byte("y"), 8000)})
	c, _ = connect(t, ts, codec.V5, "qb", persistent(0))
	require.Equal(t, "qb/big", c.recv().Topic, "alone in the queue, kept though larger than the bound")
	c.barrier()
	c.disconnect()
	pub.disconnect()
}

// dropCounter counts OnPublishDropped calls and keeps the last reason.
type dropCounter struct {
	n    atomic.Int64
	last atomic.Value // broker.DropReason
}

func (*dropCounter) ID() string { return "drops" }
func (d *dropCounter) OnPublishDropped(_ string, _ *codec.Publish, reason broker.DropReason) {
	d.last.Store(reason)
	d.n.Add(1)
}

// TestSlowSubscriber: a subscriber that does not read fills its bounded
// outbound queue; further QoS 0 messages to it are dropped and counted
// while the publisher is never blocked and other subscribers are served.
func TestSlowSubscriber(t *testing.T) {
	drops := &dropCounter{}
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxOutboundBytes: 16 << 10, PublishBackpressure: 200 * time.Millisecond}}, drops)
	slow := dial(t, ts, codec.V5)
	if tc, ok := slow.nc.(interface{ SetReadBuffer(int) error }); ok {
		_ = tc.SetReadBuffer(4 << 10)
	}
	require.Equal(t, codec.Success, slow.connect(newConnect(codec.V5, "slow")).ReasonCode)
	slow.sub("flood", 0)
	fast := connectC(t, ts, codec.V5, "fast")
	fast.sub("flood", 0)
	pub := connectC(t, ts, codec.V311, "flooder")
	payload := string(bytes.Repeat([]byte("z"), 1000))
	// ~6 MB: beyond the broker's socket send buffer (Linux tcp_wmem max is
	// 4 MiB by default), the slow client's 4 KiB receive buffer and its
	// 16 KiB queue. The publisher waits at most PublishBackpressure once
	// for the slow client, which is then marked stalled.
	const n = 6000
	for i := range n {
		// QoS 1 so that each PUBACK proves the publisher was not blocked.
		pub.pub("flood", payload, 1, false)
		require.Len(t, fast.expectPublish().Payload, 1000, "message %d", i)
	}
	info := ts.Info()
	require.Positive(t, info.MessagesDropped, "QoS 0 messages to the slow client were dropped")
	require.Equal(t, info.MessagesDropped, drops.n.Load(), "each drop fired OnPublishDropped")
	fast.barrier()
}

// TestInflightBytes: the QoS 1/2 messages sent to a client and not yet
// acknowledged are bounded in bytes (MaxInflightBytes) as well as in
// number: a client that reads but does not acknowledge gets no more once
// they reach the bound, each acknowledgement releases the next message in
// order, and a message larger than the bound still goes when nothing else
// is in flight.
func TestInflightBytes(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxInflightBytes: 3000}})
	sub := connectC(t, ts, codec.V5, "ib-sub") // Receive Maximum 65,535
	sub.sub("ib/#", 1)
	pub := connectC(t, ts, codec.V5, "ib-pub")
	payload := bytes.Repeat([]byte("x"), 1000) // about 1,070 bytes each as accounted
	for i := range 6 {
		pub.pubP(&codec.Publish{Topic: "ib/" + fmt.Sprint(i), QoS: 1, Payload: payload})
	}
	var held []*codec.Publish
	for i := range 3 { // 2 x ~1,070 bytes are below 3,000: the third goes, then the bound is reached
		p := sub.expectPublish()
		require.Equal(t, "ib/"+fmt.Sprint(i), p.Topic)
		held = append(held, p)
	}
	sub.barrier() // no fourth PUBLISH while three are unacknowledged
	sub.ack(held[0])
	require.Equal(t, "ib/3", sub.expectPublish().Topic, "an acknowledgement makes room for the next message")
	sub.barrier()
	for _, p := range held[1:] {
		sub.ack(p)
	}
	require.Equal(t, "ib/4", sub.recv().Topic)
	require.Equal(t, "ib/5", sub.recv().Topic)
	sub.barrier()

	big := bytes.Repeat([]byte("y"), 8000)
	pub.pubP(&codec.Publish{Topic: "ib/big", QoS: 2, Payload: big})
	pub.pubP(&codec.Publish{Topic: "ib/after", QoS: 1, Payload: payload})
	bp := sub.expectPublish()
	require.Equal(t, "ib/big", bp.Topic, "alone in flight, sent though larger than the bound")
	sub.barrier() // the bound holds the next message until the big one completes
	sub.ack(bp)
	require.Equal(t, "ib/after", sub.recv().Topic)
}

// TestTotalQueuedBytes: the session queues together are bounded in bytes
// (MaxTotalQueuedBytes): once full, no session queues another message
// (drops counted), and room made by one session's deliveries is usable by
// the others.
func TestTotalQueuedBytes(t *testing.T) {
	dc := make(disconnects, 4)
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxTotalQueuedBytes: 5000}}, dc)
	for _, id := range []string{"tq-a", "tq-b"} {
		c := connectC(t, ts, codec.V5, id, persistent(60))
		c.sub("tq/#", 1)
		c.disconnect()
		dc.wait(t, id)
	}
	pub := connectC(t, ts, codec.V5, "tq-pub")
	dropped := ts.Info().MessagesDropped
	payload := bytes.Repeat([]byte("x"), 1000) // about 1,070 bytes each as accounted
	for i := range 4 {
		pub.pubP(&codec.Publish{Topic: "tq/" + fmt.Sprint(i), QoS: 1, Payload: payload})
	}
	// Two messages for two sessions, ~4,280 bytes, fit in 5,000; the third
	// and fourth are dropped for both.
	info := ts.Info()
	require.EqualValues(t, 4, info.Queued)
	require.InDelta(t, 4280, info.QueuedBytes, 200)
	require.EqualValues(t, 4, info.MessagesDropped-dropped, "overflow counted")

	a, ack := connect(t, ts, codec.V5, "tq-a", persistent(60))
	require.True(t, ack.SessionPresent)
	require.Equal(t, "tq/0", a.recv().Topic)
	require.Equal(t, "tq/1", a.recv().Topic)
	a.barrier()
	a.disconnect()
	dc.wait(t, "tq-a")
	require.InDelta(t, 2140, ts.Info().QueuedBytes, 100, "delivered messages leave the total")

	pub.pubP(&codec.Publish{Topic: "tq/4", QoS: 1, Payload: payload})
	b, ack := connect(t, ts, codec.V5, "tq-b", persistent(0))
	require.True(t, ack.SessionPresent)
	for _, want := range []string{"tq/0", "tq/1", "tq/4"} {
		require.Equal(t, want, b.recv().Topic)
	}
	b.barrier()
	b.disconnect()
	dc.wait(t, "tq-b")
	info = ts.Info() // tq-b's session ended with its connection
	require.EqualValues(t, 1, info.Queued, "only tq-a's copy of tq/4 is left")
	require.InDelta(t, 1070, info.QueuedBytes, 50)
}

// smallBuffers accepts TCP connections with small kernel send buffers, so
// that what the server writes to a client that does not read stays in the
// server's own queue instead of the kernel's.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestClientNotReadingIsThrottled: a client that floods PINGREQ and reads
// nothing has its answers queued whatever MaxOutboundBytes says; once its
// queue is past the bound the server stops reading from it (TCP then slows
// the client down) instead of queueing its whole input, and goes on once
// the client reads again. Nothing is lost.
func TestClientNotReadingIsThrottled(t *testing.T) {
	srv := broker.New(broker.Options{Limits: broker.Limits{MaxOutboundBytes: 1024}, SysInterval: -1, Logger: discardLogger})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(broker.NewNetListener("small", smallBuffers{ln})))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { _ = srv.Close() })
	ts := &testServer{Server: srv, addr: ln.Addr().String()}

	c := dial(t, ts, codec.V5)
	_ = c.nc.(*net.TCPConn).SetReadBuffer(4096)
	require.Equal(t, codec.Success, c.connect(newConnect(codec.V5, "flood")).ReasonCode)
	const pings = 200000
	before := srv.Info().PacketsReceived
	wrote := make(chan error, 1)
	go func() { // blocks once the server stops reading
		_, err := c.nc.Write(bytes.Repeat([]byte{0xC0, 0}, pings))
		wrote <- err
	}()
	// The kernel buffers some thousands of PINGRESPs and one read (8,192
	// PINGREQs) can pass the bound before the reader stops; without the
	// stop it parses all 200,000 in milliseconds.
	require.Never(t, func() bool { return srv.Info().PacketsReceived-before > 50000 }, 300*time.Millisecond, 5*time.Millisecond,
		"the server kept reading from a client that does not read")
	_ = c.nc.(*net.TCPConn).SetReadBuffer(4 << 20) // read at full speed now
	got := make([]byte, 2*pings)
	_ = c.nc.SetReadDeadline(time.Now().Add(waitFor))
	_, err = io.ReadFull(c.nc, got)
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{0xD0, 0}, pings), got, "a PINGRESP for every PINGREQ")
	require.NoError(t, <-wrote)
}

// TestMaxConnections: beyond Limits.MaxConnections open connections a new
// one is closed at once, before CONNECT; once one closes there is room
// again.
func TestMaxConnections(t *testing.T) {
	ts := startServer(t, broker.Options{Limits: broker.Limits{MaxConnections: 2}})
	a := connectC(t, ts, codec.V5, "mc-a")
	connectC(t, ts, codec.V5, "mc-b")
	over := dial(t, ts, codec.V5)
	over.send(newConnect(codec.V5, "mc-c"))
	over.expectClosed()
	a.disconnect()
	eventually(t, func() bool {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			return false
		}
		defer nc.Close()
		b, _ := codec.Append(nil, newConnect(codec.V5, "mc-d"), codec.V5)
		if _, err := nc.Write(b); err != nil {
			return false
		}
		_ = nc.SetReadDeadline(time.Now().Add(waitFor))
		pk, err := codec.NewReader(nc, 0).ReadPacket(codec.V5)
		return err == nil && pk.(*codec.Connack).ReasonCode == codec.Success
	}, "a connection is accepted again once one closed")
}
