// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// readBufSize is the size of the pooled read buffers. A connection holds
// one only while it has unparsed bytes.
const readBufSize = 4 << 10

var readPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// connectBufSize is the size of the read buffer of a connection that has
// not completed CONNECT: enough for a usual CONNECT, small so that
// connections that never send one (and wait for the connect timeout) pin
// little memory. A larger first packet grows it as its bytes arrive.
const connectBufSize = 512

var connectPool = sync.Pool{New: func() any { b := make([]byte, connectBufSize); return &b }}

// putReadBuf returns a pooled read buffer to the pool it came from.
func putReadBuf(bp *[]byte) {
	if len(*bp) == connectBufSize {
		connectPool.Put(bp)
		return
	}
	readPool.Put(bp)
}

// ctrlPool holds the buffers control packets are encoded into before
// they are copied to the outbound queue.
var ctrlPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// connection states.
const (
	stateConnecting     = iota // waiting for CONNECT
	stateAuthenticating        // in a v5 enhanced authentication exchange
	stateConnected
)

// errClientDisconnect is the cause recorded for a normal DISCONNECT.
var errClientDisconnect = errors.New("client sent DISCONNECT")

// conn is one network connection. Its reader goroutine (serve) owns the
// fields marked "reader"; others are guarded as noted.
type conn struct {
	srv      *Server
	nc       net.Conn
	raw      syscall.RawConn // nil when the connection is not a socket
	listener string

	// procMu serialises packet processing between the reader and packet
	// injection. Release it with releaseProc, which first processes the
	// packets InjectPacket queued while it was held (injected, guarded by
	// injMu): a hook of this connection may inject a packet for it.
	procMu   sync.Mutex
	injMu    sync.Mutex
	injected []codec.Packet

	// Set while connecting by the reader; read-only once connected.
	state atomic.Int32 // stateConnecting, stateAuthenticating, stateConnected
	// acked is set once the CONNACK accepting the client is queued; other
	// goroutines (Close) read it instead of state, which only the reader
	// may touch.
	acked   atomic.Bool
	version codec.Version
	// info is the client's identity. The reader sets it at CONNECT and may
	// replace it, under the session's mu, when a re-authentication changes
	// the user name: other goroutines read it under that mu.
	info *ClientInfo
	// id is the client identifier, set with info at CONNECT and never
	// changed: read it (clientID) where the session's mu is not held.
	id       string
	sess     *session
	connect  *codec.Connect
	auth     *AuthExchange // enhanced authentication in progress
	authHook EnhancedAuthenticator
	// Client limits from CONNECT, read-only once connected.
	clientMaxPacket  uint32
	clientReceiveMax uint16
	keepAlive        uint16
	problemInfo      bool
	clientAliasMax   uint16 // the client's Topic Alias Maximum
	assigned         bool   // the server assigned the client identifier
	connectExpiry    uint32 // session expiry interval asked for in CONNECT

	// reader state
	rbp         *[]byte           // pooled read buffer, nil while idle
	rbuf        []byte            // read buffer (pooled, or one-off for a large packet)
	rhave       int               // bytes in rbuf not yet handled
	pub         *codec.Publish    // reused for every inbound PUBLISH
	puback      *codec.Puback     // reused for every inbound PUBACK
	aliases     map[uint16]string // inbound topic aliases
	lastDeadln  time.Time
	readTimeout time.Duration

	// aliasOut maps topics to the aliases sent to this client; guarded by
	// the session's mu, under which every PUBLISH is queued. aliasBytes is
	// the length of its topics (bounded by maxAliasBytes).
	aliasOut   map[string]uint16
	aliasBytes int

	out outQueue

	// lastWord is set when the reader ends the connection after queueing a
	// packet that tells the client why (a refusing CONNACK or a
	// DISCONNECT): the close then lingers (see linger).
	lastWord atomic.Bool

	// closeMu guards the fields below.
	closeMu   sync.Mutex
	closeErr  error
	normalEnd bool // the client sent DISCONNECT with reason 0x00
	detached  bool // the session was taken over by another connection
}

func newConn(s *Server, nc net.Conn, listener string) *conn {
	c := &conn{srv: s, nc: nc, listener: listener}
	c.out.lowMark = s.opts.Limits.OutboundHighWater / 4
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.raw = rc
		}
	}
	return c
}

// errHandover ends the first read loop once CONNECT is done.
var errHandover = errors.New("connected: continue on a fresh goroutine")

// serve runs the connection until CONNECT completes, then hands the
// connection to a fresh goroutine: CONNECT processing grows a goroutine's
// stack, and a long-lived idle connection should keep only a small one.
func (c *conn) serve() {
	err := c.readLoop(true)
	if err == errHandover {
		go c.serveConnected()
		return
	}
	c.finish(err)
}

// serveConnected runs the read loop of a connected client until it ends.
func (c *conn) serveConnected() { c.finish(c.readLoop(false)) }

// finish ends the connection and releases it from the server.
//
//go:noinline
func (c *conn) finish(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) && c.state.Load() == stateConnected {
		// [MQTT-3.1.2-22] keep alive expired: v5 clients are told why.
		c.procMu.Lock()
		c.sendDisconnect(codec.KeepAliveTimeout, "keep alive timeout")
		c.procMu.Unlock()
		err = fmt.Errorf("keep alive timeout: %w", err)
	}
	c.releaseReadBuf()
	linger := c.lingerWanted()
	c.end(err)
	if linger {
		c.linger()
	}
	s := c.srv
	s.connsMu.Lock()
	delete(s.conns, c)
	s.connsMu.Unlock()
	s.connWG.Done()
}

// readLoop reads and handles packets until the connection fails or, with
// untilConnected, until CONNECT completes. Between packets the connection
// holds no read buffer, and while it waits only this small frame and the
// poller's are on its stack.
func (c *conn) readLoop(untilConnected bool) error {
	if untilConnected {
		c.readTimeout = c.srv.opts.ConnectTimeout
		_ = c.nc.SetReadDeadline(time.Now().Add(c.readTimeout))
	}
	for {
		// While connecting the read itself waits (the CONNECT is usually
		// already there): one system call fewer per connection.
		if c.rhave == 0 && !untilConnected {
			if c.rbp != nil {
				c.releaseReadBuf()
			}
			c.touchDeadline()
			if c.raw != nil {
				if err := waitReadable(c.raw); err != nil {
					return err
				}
			}
		}
		if err := c.readAndHandle(); err != nil {
			return err
		}
		if untilConnected && c.state.Load() == stateConnected {
			return errHandover
		}
		if !untilConnected {
			if err := c.waitOwnQueue(); err != nil {
				return err
			}
		}
	}
}

// errNotReading ends a connection whose client does not read what it is
// sent (see waitOwnQueue).
var errNotReading = errors.New("the client does not read what it is sent: its outbound queue did not drain within the write timeout")

// waitOwnQueue is flow control for a client that sends requests (PINGREQ,
// QoS 1 and 2 PUBLISH, SUBSCRIBE, ...) faster than it reads the answers,
// which are queued whatever Limits.MaxOutboundBytes says: once its
// outbound queue is past that bound, the reader stops reading until the
// queue drains to a quarter of Limits.OutboundHighWater, and TCP slows the
// client down. A queue that does not drain within WriteTimeout ends the
// connection. Without it, a client flooding PINGREQ and reading nothing
// grew its queue by its whole input rate until the write timeout.
func (c *conn) waitOwnQueue() error {
	q := &c.out
	q.mu.Lock()
	if q.closed || q.queued <= c.srv.opts.Limits.MaxOutboundBytes {
		q.mu.Unlock()
		return nil
	}
	if q.room == nil {
		q.room = make(chan struct{})
	}
	room := q.room
	q.mu.Unlock()
	t := time.NewTimer(c.srv.opts.WriteTimeout)
	defer t.Stop()
	select {
	case <-room:
		return nil
	case <-t.C:
		return errNotReading
	}
}

func (c *conn) releaseReadBuf() {
	if c.rbp != nil {
		putReadBuf(c.rbp)
	}
	c.rbp, c.rbuf = nil, nil
}

// readAndHandle reads once and handles every complete packet read.
//
//go:noinline
func (c *conn) readAndHandle() error {
	s := c.srv
	if c.rbuf == nil {
		if c.state.Load() == stateConnected {
			c.rbp = readPool.Get().(*[]byte)
		} else {
			c.rbp = connectPool.Get().(*[]byte)
		}
		c.rbuf = *c.rbp
	}
	buf, have := c.rbuf, c.rhave
	n, err := c.nc.Read(buf[have:])
	if n > 0 {
		have += n
		c.rhave = have
		s.stats.bytesIn.Add(int64(n))
	}
	if err != nil {
		if have > 0 && errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	maxSize := int(s.opts.Capabilities.MaximumPacketSize)
	off, need := 0, 0
	for off < have {
		h, hn, perr := codec.ParseHeader(buf[off:have])
		if perr != nil {
			if errors.Is(perr, codec.ErrIncomplete) {
				break
			}
			return c.protocolError(perr)
		}
		if st := c.state.Load(); st != stateConnected && !preConnectAccepts(st, h.Type) {
			// Refused on its fixed header, before its body is read or
			// room is made for it: an unauthenticated client cannot make
			// the server hold a large packet it would refuse anyway
			// (Mosquitto's CVE-2023-0809).
			return c.handleFrame(h, nil)
		}
		total := hn + h.RemainingLength
		if total > maxSize {
			// [MQTT-3.2.2-15] [MQTT-4.13.1-1]
			s.warnEvery(&s.tooLargeWarned, "packet refused: larger than the maximum packet size (Capabilities.MaximumPacketSize, config capabilities.maximum_packet_size; logged at most every 10 s)",
				"client", c.clientID(), "remote", c.nc.RemoteAddr().String(), "bytes", total, "maximum", maxSize)
			return c.protocolError(&codec.Error{Packet: h.Type, Field: "packet size", Code: codec.PacketTooLarge,
				Err: fmt.Errorf("%d bytes exceeds the maximum of %d", total, maxSize)})
		}
		if have-off < total {
			need = total
			break
		}
		// Handling may open a storage Hold and writes records under the
		// broker's locks without waiting for room in the storage queue;
		// the reader, holding neither here, waits its turn before and,
		// for a packet that may have written, for room after.
		s.persist.waitTurn()
		if err := c.handleFrame(h, buf[off+hn:off+total]); err != nil {
			return err
		}
		if c.mayWrite(h) {
			s.persist.waitRoom()
		}
		off += total
	}
	if off > 0 {
		copy(buf, buf[off:have])
		have -= off
	}
	if need > len(buf) && have == len(buf) {
		// The packet is larger than the buffer: grow it as its bytes
		// arrive (doubling up to the packet's size, checked above), so a
		// client announcing a large packet and sending it slowly pins
		// little memory.
		nb := make([]byte, min(need, 2*len(buf)))
		copy(nb, buf[:have])
		if c.rbp != nil {
			putReadBuf(c.rbp)
			c.rbp = nil
		}
		buf = nb
	}
	c.rbuf, c.rhave = buf, have
	if have == 0 && c.rbp == nil {
		c.rbuf = nil // drop a one-off large buffer
	}
	return nil
}

// mayWrite reports whether handling a packet with header h may have
// written to storage. PINGREQ and a QoS 0 PUBLISH that is not retained
// (unless offline sessions queue QoS 0) write nothing: they do not wait
// for storage room, so a client that only pings keeps its keep alive
// while the backend is slow.
func (c *conn) mayWrite(h codec.FixedHeader) bool {
	switch h.Type {
	case codec.PINGREQ:
		return false
	case codec.PUBLISH:
		const qosAndRetain = 0x07
		return h.Flags&qosAndRetain != 0 || c.srv.opts.Limits.QueueQoS0Offline
	}
	return true
}

// preConnectAccepts reports whether a connection in state st (not yet
// connected) reads a packet of type t: CONNECT first, then AUTH during an
// enhanced authentication exchange, which a DISCONNECT may also end.
func preConnectAccepts(st int32, t codec.Type) bool {
	if st == stateAuthenticating {
		return t == codec.AUTH || t == codec.DISCONNECT
	}
	return t == codec.CONNECT
}

// touchDeadline extends the read deadline (1.5 x keep alive once
// connected [MQTT-3.1.2-22]); it skips the syscall when little time passed.
func (c *conn) touchDeadline() {
	if c.readTimeout <= 0 {
		return
	}
	if c.state.Load() != stateConnected {
		return // the CONNECT deadline is fixed, not extended by activity
	}
	now := time.Now()
	// Refreshing costs a syscall: skip it when the deadline was set very
	// recently (well within the keep alive grace period).
	if now.Sub(c.lastDeadln) < min(time.Second, c.readTimeout/8) {
		return
	}
	c.lastDeadln = now
	_ = c.nc.SetReadDeadline(now.Add(c.readTimeout))
}

// handleFrame decodes and handles one packet.
func (c *conn) handleFrame(h codec.FixedHeader, body []byte) error {
	s := c.srv
	s.stats.packetsIn.Add(1)
	c.procMu.Lock()
	defer c.releaseProc()
	if c.state.Load() != stateConnected {
		// The CONNACK (or AUTH) is written by this goroutine once the
		// packet is handled, without starting a writer goroutine.
		c.out.mu.Lock()
		c.out.deferStart = true
		c.out.mu.Unlock()
		err := c.handlePreConnect(h, body)
		c.flushInline()
		return err
	}
	// Any packet counts as activity for keep alive.
	switch h.Type {
	case codec.PUBLISH:
		// Reused, allocated on the first one: an idle connection does not
		// carry it.
		return handleReused(c, &c.pub, h, body)
	case codec.PUBACK:
		// Reused too: QoS 1 subscribers send one per message.
		return handleReused(c, &c.puback, h, body)
	case codec.CONNECT:
		// [MQTT-3.1.0-2] A second CONNECT is a protocol error.
		return c.protocolError(&codec.Error{Packet: codec.CONNECT, Field: "packet", Code: codec.ProtocolError,
			Err: errors.New("second CONNECT on a connection")})
	case codec.CONNACK, codec.SUBACK, codec.UNSUBACK, codec.PINGRESP:
		return c.protocolError(&codec.Error{Packet: h.Type, Field: "packet", Code: codec.ProtocolError,
			Err: errors.New("a client must not send this packet")})
	}
	pk, err := codec.Decode(h, body, c.version)
	if err != nil {
		return c.protocolError(err)
	}
	err = c.process(pk)
	if len(c.srv.hooks.packetDone) > 0 {
		c.srv.hooks.onPacketProcessed(c.info, h.Type, err)
	}
	return err
}

// reusable is a packet whose struct a connection keeps and decodes every
// inbound packet of its type into.
type reusable[T any] interface {
	*T
	codec.Packet
	Decode(flags byte, body []byte, v codec.Version) error
}

// handleReused decodes a packet into the connection's struct for its type
// (allocated on first use, zeroed before every later one) and processes
// it: no allocation per packet for the types clients send most.
func handleReused[T any, P reusable[T]](c *conn, slot *P, h codec.FixedHeader, body []byte) error {
	if *slot == nil {
		*slot = P(new(T))
	} else {
		var zero T
		*(*T)(*slot) = zero
	}
	p := *slot
	if err := p.Decode(h.Flags, body, c.version); err != nil {
		return c.protocolError(err)
	}
	err := c.process(p)
	if len(c.srv.hooks.packetDone) > 0 {
		c.srv.hooks.onPacketProcessed(c.info, h.Type, err)
	}
	return err
}

// process handles a decoded packet of a connected client.
func (c *conn) process(pk codec.Packet) error {
	hs := &c.srv.hooks
	if len(hs.packetRead) > 0 {
		var err error
		if pk, err = hs.onPacketRead(c.info, pk); err != nil {
			return c.protocolError(err)
		}
	}
	switch p := pk.(type) {
	case *codec.Publish:
		return c.handlePublish(p)
	case *codec.Puback:
		return c.sess.ackPuback(c, p)
	case *codec.Pubrec:
		return c.sess.ackPubrec(c, p)
	case *codec.Pubrel:
		return c.handlePubrel(p)
	case *codec.Pubcomp:
		return c.sess.ackPubcomp(c, p)
	case *codec.Subscribe:
		return c.handleSubscribe(p)
	case *codec.Unsubscribe:
		return c.handleUnsubscribe(p)
	case *codec.Pingreq:
		c.sendControl(&codec.Pingresp{}) // [MQTT-3.12.4-1]
		return nil
	case *codec.Disconnect:
		return c.handleDisconnect(p)
	case *codec.Auth:
		return c.handleAuth(p)
	}
	return c.protocolError(&codec.Error{Packet: pk.Type(), Field: "packet", Code: codec.ProtocolError,
		Err: errors.New("unexpected packet")})
}

// flushInline writes what is queued on the calling goroutine (the
// reader's), when no writer goroutine runs; it ends a deferStart period.
func (c *conn) flushInline() {
	q := &c.out
	q.mu.Lock()
	q.deferStart = false
	start := len(q.bufs) > 0 || q.tail != nil && len(*q.tail) > 0
	start = start && q.startLocked()
	// closeAfterFlush left the close to this flush (see there).
	act := closeNothing
	if !start && q.closed && q.closeAfter && !q.writing {
		act = q.takeCloseLocked()
	}
	linger := q.linger
	q.mu.Unlock()
	act.apply(c.nc, linger)
	if start {
		var gate func() error
		if c.srv.persist.enabled() {
			gate = c.srv.waitDurable
		}
		q.writer(c.nc, c.srv.opts.WriteTimeout, gate, c.writeFailed, c.drained)
	}
}

// sendAck queues a PUBACK, PUBREC, PUBREL or PUBCOMP (the reason code is
// dropped for v3 clients). It is the per-message path of every QoS 1 and 2
// flow, so it encodes the concrete packet on the stack instead of going
// through sendControl's interface, except when OnPacketEncode hooks must
// see the packet.
func (c *conn) sendAck(t codec.Type, id uint16, code codec.ReasonCode) {
	if c.version != codec.V5 {
		code = codec.Success
	}
	hs := &c.srv.hooks
	if len(hs.packetEncode) > 0 {
		var pk codec.Packet
		switch t {
		case codec.PUBACK:
			pk = &codec.Puback{PacketID: id, ReasonCode: code}
		case codec.PUBREC:
			pk = &codec.Pubrec{PacketID: id, ReasonCode: code}
		case codec.PUBREL:
			pk = &codec.Pubrel{PacketID: id, ReasonCode: code}
		default:
			pk = &codec.Pubcomp{PacketID: id, ReasonCode: code}
		}
		c.sendControl(pk)
		return
	}
	var (
		arr [8]byte
		b   []byte
	)
	switch t {
	case codec.PUBACK:
		p := codec.Puback{PacketID: id, ReasonCode: code}
		b = p.AppendTo(arr[:0], c.version)
	case codec.PUBREC:
		p := codec.Pubrec{PacketID: id, ReasonCode: code}
		b = p.AppendTo(arr[:0], c.version)
	case codec.PUBREL:
		p := codec.Pubrel{PacketID: id, ReasonCode: code}
		b = p.AppendTo(arr[:0], c.version)
	default:
		p := codec.Pubcomp{PacketID: id, ReasonCode: code}
		b = p.AppendTo(arr[:0], c.version)
	}
	c.enqueue(b, nil, true, true)
	if len(hs.packetSent) > 0 && c.info != nil {
		hs.onPacketSent(c.info, t, len(b))
	}
}

// sendControl queues a control packet; control packets are never dropped
// for lack of queue space.
func (c *conn) sendControl(pk codec.Packet) {
	if len(c.srv.hooks.packetEncode) > 0 && c.info != nil {
		pk = c.srv.hooks.onPacketEncode(c.info, pk)
	}
	// The packet is encoded through an interface, so a stack buffer would
	// escape: a pooled one keeps control packets (PINGRESP at every keep
	// alive) allocation-free. enqueue copies the bytes.
	bp := ctrlPool.Get().(*[]byte)
	defer ctrlPool.Put(bp)
	arr := *bp
	b := pk.AppendTo(arr[:0], c.version)
	if c.clientMaxPacket > 0 && len(b) > int(c.clientMaxPacket) {
		// Reason strings and user properties are dropped rather than
		// exceed the client's Maximum Packet Size [MQTT-3.1.2-25]
		// [MQTT-3.2.2-19] [MQTT-3.2.2-20] [MQTT-3.9.2-1] [MQTT-3.9.2-2]
		// [MQTT-3.11.2-1] [MQTT-3.11.2-2] [MQTT-3.14.2-3] [MQTT-3.14.2-4]
		// [MQTT-3.15.2-2] [MQTT-3.15.2-3].
		if props := propertiesOf(pk); props != nil {
			props.ReasonString = nil
			props.User = nil
			b = pk.AppendTo(arr[:0], c.version)
			if len(b) > int(c.clientMaxPacket) && pk.Type() == codec.CONNACK {
				// Optional too: the client can do without them.
				props.ResponseInfo = nil
				props.ServerReference = nil
				b = pk.AppendTo(arr[:0], c.version)
			}
		}
		if len(b) > int(c.clientMaxPacket) {
			// Never sent [MQTT-3.1.2-24]. SUBSCRIBE and UNSUBSCRIBE check
			// their acknowledgement's size first (ackFits). A CONNACK that
			// does not fit even so (its capabilities take about 20 bytes)
			// leaves nothing to say: the connection is closed.
			c.srv.log.Debug("packet not sent: larger than the client's maximum packet size", "client", c.clientID(),
				"type", pk.Type().String(), "bytes", len(b), "maximum", c.clientMaxPacket)
			if pk.Type() == codec.CONNACK {
				c.setCloseErr(fmt.Errorf("CONNACK of %d bytes exceeds the client's maximum packet size of %d", len(b), c.clientMaxPacket))
				c.closeAfterFlush()
			}
			return
		}
	}
	c.enqueue(b, nil, true, dependsOnStorage(pk.Type()))
	if len(c.srv.hooks.packetSent) > 0 && c.info != nil {
		c.srv.hooks.onPacketSent(c.info, pk.Type(), len(b))
	}
}

// ackFits returns nil when a SUBACK or UNSUBACK of n reason codes, without
// properties, fits the client's Maximum Packet Size, and otherwise a
// Packet too large error that ends the connection: the server may not send
// it [MQTT-3.1.2-24], and a client never answered would wait for it
// forever. Checked before the request changes anything.
func (c *conn) ackFits(t codec.Type, n int) error {
	if c.clientMaxPacket == 0 {
		return nil
	}
	remaining := 2 + 1 + n // packet identifier, property length, codes
	size := 1 + varIntLen(remaining) + remaining
	if size <= int(c.clientMaxPacket) {
		return nil
	}
	return &codec.Error{Packet: t, Field: "maximum packet size", Code: codec.PacketTooLarge,
		Err: fmt.Errorf("the %s for %d topic filters would take %d bytes, more than the client's maximum packet size of %d", t, n, size, c.clientMaxPacket)}
}

// varIntLen is the length of v as an MQTT Variable Byte Integer.
func varIntLen(v int) int {
	n := 1
	for ; v >= 128; v >>= 7 {
		n++
	}
	return n
}

// dependsOnStorage reports whether a control packet of type t tells the
// client about state that storage must hold first (see outQueue.durable).
func dependsOnStorage(t codec.Type) bool {
	switch t {
	case codec.PINGRESP, codec.DISCONNECT, codec.AUTH:
		return false
	}
	return true
}

// propertiesOf returns the properties of a packet the server sends, or nil.
func propertiesOf(pk codec.Packet) *codec.Properties {
	switch p := pk.(type) {
	case *codec.Connack:
		return &p.Properties
	case *codec.Puback:
		return &p.Properties
	case *codec.Pubrec:
		return &p.Properties
	case *codec.Pubrel:
		return &p.Properties
	case *codec.Pubcomp:
		return &p.Properties
	case *codec.Suback:
		return &p.Properties
	case *codec.Unsuback:
		return &p.Properties
	case *codec.Disconnect:
		return &p.Properties
	case *codec.Auth:
		return &p.Properties
	}
	return nil
}

// enqueue queues head (copied) followed by body (by reference when large).
// It reports false when the queue is closed or, unless force, full.
func (c *conn) enqueue(head, body []byte, force, durable bool) bool {
	q := &c.out
	q.mu.Lock()
	if q.closed || !q.fits(len(head)+len(body), c.srv.opts.Limits.MaxOutboundBytes, force) {
		q.mu.Unlock()
		return false
	}
	q.durable = q.durable || durable
	q.copyLocked(head)
	if len(body) > refThreshold {
		q.refLocked(body)
	} else if len(body) > 0 {
		q.copyLocked(body)
	}
	start := !q.deferStart && q.startLocked()
	q.mu.Unlock()
	c.srv.stats.packetsOut.Add(1)
	if start {
		var gate func() error
		if c.srv.persist.enabled() {
			gate = c.srv.waitDurable
		}
		go q.writer(c.nc, c.srv.opts.WriteTimeout, gate, c.writeFailed, c.drained)
	}
	return true
}

func (c *conn) writeFailed(err error) {
	c.setCloseErr(fmt.Errorf("write: %w", err))
}

// drained is called by the writer after the queue empties.
func (c *conn) drained(n int) {
	c.srv.stats.bytesOut.Add(int64(n))
	// state first: an AUTH of a multi-step enhanced authentication drains
	// the queue while the reader may still be setting c.sess, which is
	// safe to read only once stateConnected is seen.
	if c.state.Load() != stateConnected {
		return
	}
	if sess := c.sess; sess != nil {
		// pump may open a storage Hold; the writer holds no lock here.
		c.srv.persist.waitTurn()
		sess.pump(c)
	}
}

func (c *conn) setCloseErr(err error) {
	c.closeMu.Lock()
	if c.closeErr == nil {
		c.closeErr = err
	}
	c.closeMu.Unlock()
}

// protocolError ends the connection because of err: v5 clients receive
// DISCONNECT with err's reason code [MQTT-4.13.1-1]; v3 connections are
// closed [MQTT-4.8.0-1]. It returns err so the read loop stops.
func (c *conn) protocolError(err error) error {
	code := codec.CodeOf(err)
	if code == codec.UnspecifiedError && !errors.As(err, new(*codec.Error)) {
		code = codec.UnspecifiedError
	}
	c.srv.log.Debug("closing connection on protocol error", "client", c.clientID(), "remote", c.nc.RemoteAddr().String(), "err", err)
	if c.state.Load() == stateConnected && c.version == codec.V5 {
		c.sendDisconnect(code, err.Error())
		c.lastWord.Store(true)
	}
	c.setCloseErr(err)
	return err
}

// sendDisconnect queues a server DISCONNECT (v5 only) and closes the
// connection once it is flushed.
func (c *conn) sendDisconnect(code codec.ReasonCode, reason string) {
	if c.version != codec.V5 {
		return
	}
	d := &codec.Disconnect{ReasonCode: code}
	if d.Validate(codec.V5) != nil {
		d.ReasonCode = codec.UnspecifiedError // never a code DISCONNECT may not carry [MQTT-3.14.2-1]
	}
	if reason != "" && c.problemInfo {
		d.Properties.ReasonString = &reason
	}
	c.sendControl(d)
}

// shutdown asks a connection to end: DISCONNECT code for v5 clients, then a
// close once the outbound queue is flushed.
func (c *conn) shutdown(code codec.ReasonCode) {
	if c.acked.Load() { // never before the CONNACK [MQTT-3.14.0-1]
		c.sendDisconnect(code, "")
	}
	c.setCloseErr(fmt.Errorf("server closed the connection: %s", code))
	c.closeAfterFlushCut(true)
}

// closeAfterFlush closes the connection once its queue has been written.
func (c *conn) closeAfterFlush() { c.closeAfterFlushCut(false) }

// closeAfterFlushCut is closeAfterFlush; cut also ends a linger (a close
// request from outside the reader), even one the writer is yet to start.
func (c *conn) closeAfterFlushCut(cut bool) {
	q := &c.out
	q.mu.Lock()
	q.cut = q.cut || cut
	q.closed = true
	q.closeAfter = true
	// While the reader handles CONNECT it flushes the queue itself
	// (flushInline) and closes then: closing now would lose the CONNACK
	// and DISCONNECT of a client taken over right after connecting.
	act := closeNothing
	if !q.writing && !q.deferStart {
		act = q.takeCloseLocked()
	}
	linger := q.linger
	q.mu.Unlock()
	act.apply(c.nc, linger)
}

// lingerWanted reports whether the reader, ending the connection, should
// linger: it queued a last packet for the client and the connection can
// shut its write side alone. It then arms the linger before the close is
// asked for; the reads left are bounded by WriteTimeout (for the flush)
// until the write side is shut, and by CloseLinger after.
func (c *conn) lingerWanted() bool {
	d := c.srv.opts.CloseLinger
	if d <= 0 || !c.lastWord.Load() {
		return false
	}
	if _, ok := c.nc.(closeWriter); !ok {
		return false
	}
	q := &c.out
	q.mu.Lock()
	ok := q.ncState == ncOpen && !q.cut // not closed, no close asked for from outside
	if ok {
		q.linger = d
	}
	q.mu.Unlock()
	if ok {
		_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.opts.WriteTimeout + d))
	}
	return ok
}

// linger reads and discards what the client still sends until it closes
// the connection or the deadline set by lingerWanted and closeWrite passes,
// then closes it. Closing a TCP socket with unread input resets the
// connection, and a reset can cost the client the CONNACK or DISCONNECT
// it was about to read (or fail its next write, before it reads them);
// shutting the write side and reading on lets the last packet arrive as
// sent, followed by an orderly end of stream.
func (c *conn) linger() {
	bp := connectPool.Get().(*[]byte)
	for {
		if _, err := c.nc.Read(*bp); err != nil {
			break
		}
	}
	connectPool.Put(bp)
	q := &c.out
	q.mu.Lock()
	q.ncState = ncClosed
	q.mu.Unlock()
	_ = c.nc.Close()
}

// end runs once when the read loop stops: it hands the session back to
// the server, then flushes what is queued (so a final CONNACK or
// DISCONNECT reaches the client) and closes the connection. The session is
// detached first so that a client reconnecting as soon as it sees the
// close finds the session (and its will) already settled, rather than
// "taking over" a connection that already ended.
func (c *conn) end(err error) {
	c.setCloseErr(err)
	c.procMu.Lock()
	if c.state.Load() == stateConnected {
		c.srv.detach(c)
	}
	c.procMu.Unlock()
	c.closeAfterFlush()
}

func (c *conn) clientID() string { return c.id }
