// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package client is a deliberately small MQTT client for load generation:
// raw TCP, the codec package for every packet, one read loop per
// connection that answers acknowledgements in one write per read pass, and
// no allocation per message on the hot path. It is not a general client:
// no reconnects, no session state, no keep-alive pings.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// Options configure one connection.
type Options struct {
	// Addr is the broker's TCP address, host:port.
	Addr string
	// ClientID is sent in CONNECT.
	ClientID string
	// Version is codec.V311 or codec.V5.
	Version codec.Version
	// ReceiveMaximum is advertised to the server in a v5 CONNECT: how many
	// QoS 1/2 messages it may have unacknowledged towards this client.
	// Zero leaves the property out (the protocol default is 65,535).
	ReceiveMaximum uint16
	// KeepAlive in seconds; 0 disables the broker's keep-alive timer.
	KeepAlive uint16
	// Timeout bounds the dial and the CONNECT/CONNACK exchange.
	Timeout time.Duration
}

// handshakeBuf is the read buffer of a connection that has not started its
// read loop: enough for CONNACK and SUBACK, small so that thousands of idle
// connections cost little in the load generator.
const handshakeBuf = 512

// loopBuf is the read buffer of a running read loop.
const loopBuf = 64 << 10

// Conn is one MQTT connection. Reading (Handshake methods, then Loop) is
// done by one goroutine; writes may come from a second one (a publisher),
// each writer using its own buffer: net.Conn serialises whole writes.
type Conn struct {
	nc net.Conn
	v  codec.Version
	// ServerReceiveMaximum is the server's Receive Maximum from a v5
	// CONNACK, or 65,535 when absent (and for v3.1.1).
	ServerReceiveMaximum uint16

	rbuf []byte // unread bytes are rbuf[rpos:wpos]
	rpos int
	wpos int

	acks []byte // acknowledgements queued by the read loop
}

// Dial connects to opts.Addr, sends CONNECT with a clean session and waits
// for a successful CONNACK.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: opts.Timeout}
	nc, err := d.DialContext(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", opts.Addr, err)
	}
	c := &Conn{nc: nc, v: opts.Version, ServerReceiveMaximum: 65535, rbuf: make([]byte, handshakeBuf)}
	if err := c.connect(opts); err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect %s as %q: %w", opts.Addr, opts.ClientID, err)
	}
	return c, nil
}

func (c *Conn) connect(opts Options) error {
	_ = c.nc.SetDeadline(time.Now().Add(opts.Timeout))
	defer c.nc.SetDeadline(time.Time{})
	p := &codec.Connect{ProtocolVersion: opts.Version, CleanStart: true, KeepAlive: opts.KeepAlive, ClientID: opts.ClientID}
	if opts.Version >= codec.V5 && opts.ReceiveMaximum > 0 {
		p.Properties.ReceiveMaximum = codec.Ptr(opts.ReceiveMaximum)
	}
	b, err := codec.Append(nil, p, opts.Version)
	if err != nil {
		return fmt.Errorf("encode CONNECT: %w", err)
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("write CONNECT: %w", err)
	}
	h, body, err := c.next()
	if err != nil {
		return fmt.Errorf("read CONNACK: %w", err)
	}
	if h.Type != codec.CONNACK {
		return fmt.Errorf("expected CONNACK, got packet type %d", h.Type)
	}
	var ack codec.Connack
	if err := ack.Decode(h.Flags, body, opts.Version); err != nil {
		return fmt.Errorf("decode CONNACK: %w", err)
	}
	if ack.ReasonCode != 0 {
		return fmt.Errorf("CONNACK refused with reason code 0x%02X", byte(ack.ReasonCode))
	}
	if rm := ack.Properties.ReceiveMaximum; rm != nil && *rm > 0 {
		c.ServerReceiveMaximum = *rm
	}
	return nil
}

// Version returns the protocol version of the connection.
func (c *Conn) Version() codec.Version { return c.v }

// Subscribe subscribes to filters at qos with packet identifier 1 and
// waits for the SUBACK, failing if any filter was refused. It must be
// called before Loop.
func (c *Conn) Subscribe(filters []string, qos codec.QoS, timeout time.Duration) error {
	p := &codec.Subscribe{PacketID: 1}
	for _, f := range filters {
		p.Subscriptions = append(p.Subscriptions, codec.Subscription{Filter: f, QoS: qos})
	}
	b, err := codec.Append(nil, p, c.v)
	if err != nil {
		return fmt.Errorf("encode SUBSCRIBE: %w", err)
	}
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("write SUBSCRIBE: %w", err)
	}
	h, body, err := c.next()
	if err != nil {
		return fmt.Errorf("read SUBACK: %w", err)
	}
	if h.Type != codec.SUBACK {
		// The specification has the SUBACK first; retained messages follow it.
		return fmt.Errorf("expected SUBACK, got packet type %d", h.Type)
	}
	var ack codec.Suback
	if err := ack.Decode(h.Flags, body, c.v); err != nil {
		return fmt.Errorf("decode SUBACK: %w", err)
	}
	for i, rc := range ack.ReasonCodes {
		if rc >= 0x80 && i < len(filters) {
			return fmt.Errorf("subscription %q refused with reason code 0x%02X", filters[i], byte(rc))
		}
	}
	return nil
}

// next returns the next frame, reading from the socket as needed. The body
// aliases the read buffer and is valid until the next call.
func (c *Conn) next() (codec.FixedHeader, []byte, error) {
	for {
		h, body, ok, err := c.parse()
		if err != nil || ok {
			return h, body, err
		}
		if err := c.fill(); err != nil {
			return h, nil, err
		}
	}
}

// parse returns the next complete frame in the buffer, if any.
func (c *Conn) parse() (h codec.FixedHeader, body []byte, ok bool, err error) {
	h, n, err := codec.ParseHeader(c.rbuf[c.rpos:c.wpos])
	if err != nil {
		if errors.Is(err, codec.ErrIncomplete) {
			return h, nil, false, nil
		}
		return h, nil, false, err
	}
	end := c.rpos + n + h.RemainingLength
	if end > c.wpos {
		if need := n + h.RemainingLength; need > len(c.rbuf) {
			nb := make([]byte, max(need, 2*len(c.rbuf)))
			c.wpos = copy(nb, c.rbuf[c.rpos:c.wpos])
			c.rpos = 0
			c.rbuf = nb
		}
		return h, nil, false, nil
	}
	body = c.rbuf[c.rpos+n : end : end]
	c.rpos = end
	return h, body, true, nil
}

// fill compacts the buffer and reads once from the socket.
func (c *Conn) fill() error {
	if c.rpos > 0 {
		c.wpos = copy(c.rbuf, c.rbuf[c.rpos:c.wpos])
		c.rpos = 0
	}
	n, err := c.nc.Read(c.rbuf[c.wpos:])
	c.wpos += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// Write writes b to the connection. It may be called concurrently with
// Loop.
func (c *Conn) Write(b []byte) error {
	_, err := c.nc.Write(b)
	return err
}

// Close closes the network connection without DISCONNECT.
func (c *Conn) Close() error { return c.nc.Close() }

// Disconnect sends a normal DISCONNECT and closes the connection.
func (c *Conn) Disconnect() error {
	b := (&codec.Disconnect{}).AppendTo(nil, c.v)
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := c.nc.Write(b)
	if cerr := c.nc.Close(); err == nil {
		err = cerr
	}
	return err
}
