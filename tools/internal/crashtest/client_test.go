// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package crashtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// ioTimeout bounds every dial, write and handshake of the test clients.
const ioTimeout = 10 * time.Second

// mqttConn is a raw MQTT v5 connection: writes are serialised, and a
// reader goroutine hands every decoded packet to in until the connection
// breaks, then closes in; err tells why.
type mqttConn struct {
	nc  net.Conn
	in  chan codec.Packet
	wmu sync.Mutex
	buf []byte

	done chan struct{} // closed when the reader has returned
	err  error         // why the reader stopped; read after done
}

// dialMQTT connects, sends CONNECT and waits for CONNACK.
func dialMQTT(ctx context.Context, addr string, c *codec.Connect) (*mqttConn, *codec.Connack, error) {
	d := net.Dialer{Timeout: ioTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	m := &mqttConn{nc: nc, in: make(chan codec.Packet, 256), done: make(chan struct{})}
	c.ProtocolVersion = codec.V5
	if err := m.send(c); err != nil {
		_ = nc.Close()
		return nil, nil, err
	}
	r := codec.NewReader(nc, 1<<20)
	_ = nc.SetReadDeadline(time.Now().Add(ioTimeout))
	p, err := r.ReadPacket(codec.V5)
	if err != nil {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("read CONNACK: %w", err)
	}
	ack, ok := p.(*codec.Connack)
	if !ok {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("got %v instead of CONNACK", p.Type())
	}
	if ack.ReasonCode.IsError() {
		_ = nc.Close()
		return nil, nil, fmt.Errorf("CONNACK reason code %#x", byte(ack.ReasonCode))
	}
	_ = nc.SetReadDeadline(time.Time{})
	go m.read(r)
	return m, ack, nil
}

// read decodes packets until the connection breaks. Payloads are copied
// because they alias the reader's buffer.
func (m *mqttConn) read(r *codec.Reader) {
	defer close(m.done)
	defer close(m.in)
	for {
		p, err := r.ReadPacket(codec.V5)
		if err != nil {
			m.err = err
			return
		}
		if pub, ok := p.(*codec.Publish); ok {
			pub.Payload = append([]byte(nil), pub.Payload...)
		}
		select {
		case m.in <- p:
		case <-time.After(ioTimeout):
			m.err = errors.New("test client: packet not consumed in time")
			_ = m.nc.Close()
			return
		}
	}
}

// send writes one packet.
func (m *mqttConn) send(p codec.Packet) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	var err error
	m.buf, err = codec.Append(m.buf[:0], p, codec.V5)
	if err != nil {
		return err
	}
	_ = m.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err = m.nc.Write(m.buf)
	return err
}

// close ends the connection without DISCONNECT (as a crash would) and
// waits for the reader, draining what it still hands over.
func (m *mqttConn) close() {
	_ = m.nc.Close()
	for range m.in {
	}
	<-m.done
}

// disconnect sends DISCONNECT and closes.
func (m *mqttConn) disconnect() {
	_ = m.send(&codec.Disconnect{})
	m.close()
}

// addrBook publishes the address of the current broker process. Each
// start is a new generation; clients whose connection broke wait for the
// next one instead of polling.
type addrBook struct {
	mu   sync.Mutex
	gen  int
	addr string
	next chan struct{} // closed when gen advances
}

func newAddrBook() *addrBook { return &addrBook{next: make(chan struct{})} }

// set publishes a new broker address.
func (b *addrBook) set(addr string) {
	b.mu.Lock()
	b.gen++
	b.addr = addr
	close(b.next)
	b.next = make(chan struct{})
	b.mu.Unlock()
}

// current returns the address and its generation.
func (b *addrBook) current() (string, int, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addr, b.gen, b.next
}

// connect dials the current broker; when that fails it waits for the next
// broker generation and tries again, until ctx ends.
func (b *addrBook) connect(ctx context.Context, c func() *codec.Connect) (*mqttConn, *codec.Connack, error) {
	for {
		addr, _, next := b.current()
		m, ack, err := dialMQTT(ctx, addr, c())
		if err == nil {
			return m, ack, nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("connect to %s: %w (last error: %w)", addr, ctx.Err(), err)
		}
	}
}
