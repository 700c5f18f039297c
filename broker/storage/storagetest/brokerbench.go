// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storagetest

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// Shape of BenchmarkBrokerQoS1.
const (
	benchPublishers = 4
	benchWindow     = 32
	benchPayload    = 256
	benchTimeout    = 30 * time.Second
)

// BenchmarkBrokerQoS1 measures persisted QoS 1 throughput through a
// broker over TCP, in ModeSync and ModeAsync: benchPublishers publishers,
// each with up to benchWindow unacknowledged 256-byte messages, to one
// persistent-session subscriber (session expiry > 0) that acknowledges
// every delivery. A message counts once the subscriber has it; msgs/s is
// b.N over the elapsed time.
func BenchmarkBrokerQoS1(b *testing.B, newBackend func(b *testing.B) storage.Backend) {
	for _, mode := range []storage.Mode{storage.ModeSync, storage.ModeAsync} {
		b.Run(mode.String(), func(b *testing.B) {
			log := slog.New(slog.DiscardHandler)
			srv := broker.New(broker.Options{Logger: log,
				Storage: storage.NewStore(newBackend(b), storage.Options{Mode: mode, Logger: log})})
			if err := srv.AddHook(broker.AllowAll{}); err != nil {
				b.Fatal(err)
			}
			l, err := broker.ListenTCP("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			if err := srv.AddListener(l); err != nil {
				b.Fatal(err)
			}
			if err := srv.Serve(); err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := srv.Close(); err != nil {
					b.Error(err)
				}
			}()
			addr := srv.ListenerAddrs()["tcp"].String()

			sub, err := benchDial(addr, "bench-sub", 3600)
			if err != nil {
				b.Fatal(err)
			}
			defer sub.close()
			if err := sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "bench/#", QoS: 1}}}); err != nil {
				b.Fatal(err)
			}
			if _, err := sub.expect(codec.SUBACK); err != nil {
				b.Fatal(err)
			}
			pubs := make([]*benchConn, benchPublishers)
			for i := range pubs {
				if pubs[i], err = benchDial(addr, fmt.Sprintf("bench-pub-%d", i), 0); err != nil {
					b.Fatal(err)
				}
				defer pubs[i].close()
			}
			payload := make([]byte, benchPayload)

			b.ReportAllocs()
			b.ResetTimer()
			received := make(chan error, 1)
			go func() { received <- sub.consume(b.N) }()
			var wg sync.WaitGroup
			errs := make(chan error, benchPublishers)
			for i, p := range pubs {
				n := b.N / benchPublishers
				if i < b.N%benchPublishers {
					n++
				}
				wg.Go(func() { errs <- p.publishN(fmt.Sprintf("bench/%d", i), payload, n) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := <-received; err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// benchConn is a minimal MQTT v5 client used from one goroutine.
type benchConn struct {
	nc  net.Conn
	r   *codec.Reader
	buf []byte
}

func benchDial(addr, id string, expiry uint32) (*benchConn, error) {
	nc, err := net.DialTimeout("tcp", addr, benchTimeout)
	if err != nil {
		return nil, err
	}
	c := &benchConn{nc: nc, r: codec.NewReader(nc, 1<<20)}
	conn := &codec.Connect{ProtocolVersion: codec.V5, ClientID: id, CleanStart: true, KeepAlive: 60,
		Properties: codec.Properties{ReceiveMaximum: codec.Ptr[uint16](1024)}}
	if expiry > 0 {
		conn.Properties.SessionExpiry = codec.Ptr(expiry)
	}
	if err := c.send(conn); err != nil {
		_ = nc.Close()
		return nil, err
	}
	pk, err := c.expect(codec.CONNACK)
	if err == nil && pk.(*codec.Connack).ReasonCode.IsError() {
		err = fmt.Errorf("CONNACK %#x", byte(pk.(*codec.Connack).ReasonCode))
	}
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *benchConn) send(p codec.Packet) error {
	var err error
	if c.buf, err = codec.Append(c.buf[:0], p, codec.V5); err != nil {
		return err
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(benchTimeout))
	_, err = c.nc.Write(c.buf)
	return err
}

func (c *benchConn) read() (codec.Packet, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(benchTimeout))
	return c.r.ReadPacket(codec.V5)
}

func (c *benchConn) expect(t codec.Type) (codec.Packet, error) {
	pk, err := c.read()
	if err != nil {
		return nil, err
	}
	if pk.Type() != t {
		return nil, fmt.Errorf("got %v, want %v", pk.Type(), t)
	}
	return pk, nil
}

// publishN sends n QoS 1 messages with at most benchWindow unacknowledged.
func (c *benchConn) publishN(topic string, payload []byte, n int) error {
	pub := &codec.Publish{QoS: 1, Topic: topic, Payload: payload}
	sent, acked := 0, 0
	for acked < n {
		for sent < n && sent-acked < benchWindow {
			pub.PacketID = uint16(sent%65535) + 1
			if err := c.send(pub); err != nil {
				return err
			}
			sent++
		}
		pk, err := c.read()
		if err != nil {
			return fmt.Errorf("publisher: %w", err)
		}
		ack, ok := pk.(*codec.Puback)
		if !ok || ack.ReasonCode.IsError() {
			return fmt.Errorf("publisher: got %#v instead of PUBACK", pk)
		}
		acked++
	}
	return nil
}

// consume acknowledges n deliveries.
func (c *benchConn) consume(n int) error {
	for got := 0; got < n; {
		pk, err := c.read()
		if err != nil {
			return fmt.Errorf("subscriber after %d of %d: %w", got, n, err)
		}
		pub, ok := pk.(*codec.Publish)
		if !ok {
			return fmt.Errorf("subscriber: unexpected %v", pk.Type())
		}
		if pub.QoS != 1 {
			return errors.New("subscriber: delivery not at QoS 1")
		}
		if err := c.send(&codec.Puback{PacketID: pub.PacketID}); err != nil {
			return err
		}
		got++
	}
	return nil
}

func (c *benchConn) close() {
	_ = c.send(&codec.Disconnect{})
	_ = c.nc.Close()
}
