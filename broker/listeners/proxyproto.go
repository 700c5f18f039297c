// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProxyProtocol configures the PROXY protocol (versions 1 and 2, as sent by
// HAProxy, nginx's stream module, AWS Network Load Balancers and others) on
// a listener behind such a proxy: the proxy starts each connection with a
// header carrying the client's address, which the broker then sees as the
// connection's remote address (in logs, ClientInfo.Remote, ACL rules on
// addresses and per-IP connection limits).
type ProxyProtocol struct {
	// Trusted are the networks of the proxies. A connection from one of
	// them must start with a PROXY header, or it is closed; a connection
	// from anywhere else is served as it is, with its own address, and a
	// header it sends is not believed (it fails as a malformed packet).
	// Empty: every connection must start with a header (the listener is
	// reachable only through the proxy).
	Trusted []netip.Prefix
	// HeaderTimeout bounds the wait for the header. Default 10 s.
	HeaderTimeout time.Duration
}

// ErrProxyHeader is wrapped by the read error of a connection whose PROXY
// protocol header is missing or malformed.
var ErrProxyHeader = errors.New("invalid PROXY protocol header")

// WithProxyProtocol returns ln reading a PROXY protocol header at the start
// of each connection from a trusted proxy. Accept does not wait for the
// header: it is read by the first Read, RemoteAddr or LocalAddr of the
// connection, so a slow proxy holds up only its own
// connection. Wrap the TCP listener itself, under TLS or WebSocket: the
// proxy sends the header before any TLS handshake.
func WithProxyProtocol(ln net.Listener, p ProxyProtocol) net.Listener {
	if p.HeaderTimeout <= 0 {
		p.HeaderTimeout = 10 * time.Second
	}
	return &proxyListener{Listener: ln, p: p, pending: make(map[*proxyConn]struct{})}
}

type proxyListener struct {
	net.Listener
	p ProxyProtocol

	// pending are the accepted connections whose header is not read yet
	// (nobody may track them but this listener): Close closes them, so
	// that no goroutine waits for a header after the server has closed.
	mu      sync.Mutex
	pending map[*proxyConn]struct{}
	closed  bool
}

// Accept returns the next connection, expecting a header from it when it
// comes from a trusted proxy.
func (l *proxyListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil || !l.trusted(nc.RemoteAddr()) {
		return nc, err
	}
	c := &proxyConn{wrapped: wrapped{nc}, ln: l, timeout: l.p.HeaderTimeout}
	l.mu.Lock()
	closed := l.closed
	if !closed {
		l.pending[c] = struct{}{}
	}
	l.mu.Unlock()
	if closed {
		_ = nc.Close()
	}
	return c, nil
}

// Close stops accepting and closes the connections still waiting for
// their header.
func (l *proxyListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	for c := range pending {
		_ = c.Conn.Close()
	}
	return err
}

// done stops tracking c once its header is read or it is closed.
func (l *proxyListener) done(c *proxyConn) {
	l.mu.Lock()
	delete(l.pending, c)
	l.mu.Unlock()
}

// trusted reports whether a connection from a is expected to send a header.
func (l *proxyListener) trusted(a net.Addr) bool {
	if len(l.p.Trusted) == 0 {
		return true
	}
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	for _, n := range l.p.Trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyConn is a connection that starts with a PROXY header, read exactly
// (never a byte past it) the first time the connection is used. Since
// nothing is buffered, the socket (wrapped.SyscallConn) can be offered at
// once, before the header arrives.
type proxyConn struct {
	wrapped
	ln      *proxyListener
	timeout time.Duration

	once          sync.Once
	err           error
	remote, local net.Addr

	mu           sync.Mutex
	readDeadline time.Time // the caller's, restored after the header
	headerBy     time.Time // while the header is read: the latest read deadline allowed
}

func (c *proxyConn) header() {
	c.once.Do(func() {
		c.mu.Lock()
		c.headerBy = time.Now().Add(c.timeout)
		_ = c.Conn.SetReadDeadline(c.clampLocked(c.readDeadline))
		c.mu.Unlock()

		h, err := readProxyHeader(c.Conn)
		if err != nil {
			c.err = fmt.Errorf("%w from %s: %w", ErrProxyHeader, c.Conn.RemoteAddr(), err)
		} else if h.src != nil {
			c.remote, c.local = h.src, h.dst
		}

		c.mu.Lock()
		c.headerBy = time.Time{}
		_ = c.Conn.SetReadDeadline(c.readDeadline)
		c.mu.Unlock()
		c.ln.done(c)
	})
}

// clampLocked is the read deadline to set for the caller's t: no later
// than headerBy while the header is read.
func (c *proxyConn) clampLocked(t time.Time) time.Time {
	if !c.headerBy.IsZero() && (t.IsZero() || t.After(c.headerBy)) {
		return c.headerBy
	}
	return t
}

// Close closes the connection.
func (c *proxyConn) Close() error {
	c.ln.done(c)
	return c.Conn.Close()
}

// Read reads the header first; a missing or malformed one fails every read.
func (c *proxyConn) Read(b []byte) (int, error) {
	c.header()
	if c.err != nil {
		return 0, c.err
	}
	return c.Conn.Read(b)
}

// RemoteAddr is the client's address as the proxy gave it, or the proxy's
// for a LOCAL (health check) or UNKNOWN header or a failed one.
func (c *proxyConn) RemoteAddr() net.Addr {
	c.header()
	if c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}

// LocalAddr is the address the client connected to, as the proxy gave it.
func (c *proxyConn) LocalAddr() net.Addr {
	c.header()
	if c.local != nil {
		return c.local
	}
	return c.Conn.LocalAddr()
}

// SetDeadline sets both deadlines, keeping the read one for after the
// header (HeaderTimeout still bounds the header).
func (c *proxyConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// SetReadDeadline sets the read deadline, kept for after the header
// (HeaderTimeout still bounds the header).
func (c *proxyConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return c.Conn.SetReadDeadline(c.clampLocked(t))
}

// proxyHeader is what a header says: src and dst are nil for a LOCAL
// command or an unknown or unspecified address family.
type proxyHeader struct {
	src, dst net.Addr
}

// v2Signature starts a version 2 header.
var v2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

const (
	v1MaxLine = 107      // the longest version 1 header, CRLF included
	v2MaxBody = 16 << 10 // addresses and TLVs of a version 2 header
)

// readProxyHeader reads one version 1 or 2 header from r, byte for byte
// where the length is not known, so that nothing after it is consumed.
func readProxyHeader(r io.Reader) (proxyHeader, error) {
	var start [6]byte
	if _, err := io.ReadFull(r, start[:]); err != nil {
		return proxyHeader{}, err
	}
	switch {
	case string(start[:]) == "PROXY ":
		return readV1(r)
	case bytes.Equal(start[:], v2Signature[:6]):
		return readV2(r)
	}
	return proxyHeader{}, errors.New("the connection does not start with a PROXY protocol header")
}

// readV1 reads the rest of a version 1 line after "PROXY ".
func readV1(r io.Reader) (proxyHeader, error) {
	line := make([]byte, 0, v1MaxLine)
	var b [1]byte
	for {
		if len(line) >= v1MaxLine-len("PROXY ") {
			return proxyHeader{}, errors.New("version 1 header longer than 107 bytes")
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return proxyHeader{}, err
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			break
		}
	}
	s, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return proxyHeader{}, errors.New("version 1 header not ended by CRLF")
	}
	f := strings.Split(s, " ")
	switch f[0] {
	case "UNKNOWN":
		return proxyHeader{}, nil // the proxy's own address stands
	case "TCP4", "TCP6":
	default:
		return proxyHeader{}, fmt.Errorf("version 1 protocol %q (want TCP4, TCP6 or UNKNOWN)", f[0])
	}
	if len(f) != 5 {
		return proxyHeader{}, fmt.Errorf("version 1 header %q: want protocol, two addresses and two ports", s)
	}
	var addr [2]*net.TCPAddr
	for i := range addr {
		ip, err := netip.ParseAddr(f[1+i])
		if err != nil || ip.Zone() != "" || ip.Is4() != (f[0] == "TCP4") {
			return proxyHeader{}, fmt.Errorf("version 1 header: %q is not an address for %s", f[1+i], f[0])
		}
		port, err := v1Port(f[3+i])
		if err != nil {
			return proxyHeader{}, err
		}
		addr[i] = net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, port))
	}
	return proxyHeader{src: addr[0], dst: addr[1]}, nil
}

// v1Port parses a decimal port without sign or leading zeros.
func v1Port(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || s[0] == '+' || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("version 1 header: %q is not a port", s)
	}
	return uint16(n), nil
}

// readV2 reads the rest of a version 2 header after its first 6 bytes.
func readV2(r io.Reader) (proxyHeader, error) {
	var fixed [10]byte // rest of the signature, version and command, family, length
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return proxyHeader{}, err
	}
	if !bytes.Equal(fixed[:6], v2Signature[6:]) {
		return proxyHeader{}, errors.New("bad version 2 signature")
	}
	verCmd, fam := fixed[6], fixed[7]
	n := int(binary.BigEndian.Uint16(fixed[8:]))
	if verCmd>>4 != 2 {
		return proxyHeader{}, fmt.Errorf("version 2 header: version %d", verCmd>>4)
	}
	if n > v2MaxBody {
		return proxyHeader{}, fmt.Errorf("version 2 header: %d bytes of addresses and extensions (at most %d)", n, v2MaxBody)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return proxyHeader{}, err
	}
	switch verCmd & 0xf {
	case 0: // LOCAL: the proxy's own connection (a health check)
		return proxyHeader{}, nil
	case 1: // PROXY
	default:
		return proxyHeader{}, fmt.Errorf("version 2 header: command %d", verCmd&0xf)
	}
	switch fam {
	case 0x11: // TCP over IPv4
		if n < 12 {
			return proxyHeader{}, fmt.Errorf("version 2 header: %d bytes for IPv4 addresses (want 12)", n)
		}
		return proxyHeader{src: v2Addr(body[0:4], body[8:10]), dst: v2Addr(body[4:8], body[10:12])}, nil
	case 0x21: // TCP over IPv6
		if n < 36 {
			return proxyHeader{}, fmt.Errorf("version 2 header: %d bytes for IPv6 addresses (want 36)", n)
		}
		return proxyHeader{src: v2Addr(body[0:16], body[32:34]), dst: v2Addr(body[16:32], body[34:36])}, nil
	case 0x00, 0x31:
		// Unspecified, or a stream over a Unix socket: its path is whatever
		// the proxy's local client bound, no address to judge a client by;
		// the proxy's own address stands.
		return proxyHeader{}, nil
	}
	return proxyHeader{}, fmt.Errorf("version 2 header: family and transport 0x%02x (want 0x11 TCP over IPv4, 0x21 TCP over IPv6, 0x31 or 0x00)", fam)
}

func v2Addr(ip, port []byte) *net.TCPAddr {
	a, _ := netip.AddrFromSlice(ip)
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, binary.BigEndian.Uint16(port)))
}
