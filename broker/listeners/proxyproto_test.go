// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

// v2 builds a version 2 header from hex: version and command, family,
// then the address block (its length is computed).
func v2(verCmd, fam byte, block string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(block, " ", ""))
	if err != nil {
		panic(err)
	}
	h := append([]byte("\r\n\r\n\x00\r\nQUIT\n"), verCmd, fam, byte(len(b)>>8), byte(len(b)))
	return append(h, b...)
}

// TestProxyHeaders: every header form, golden bytes in, addresses out,
// and exactly the bytes after the header left to read; malformed headers
// fail the connection's reads with ErrProxyHeader.
func TestProxyHeaders(t *testing.T) {
	unixPath := func(s string) string { return hex.EncodeToString([]byte(s)) + strings.Repeat("00", 108-len(s)) }
	cases := []struct {
		name          string
		header        []byte
		remote, local string // "" : the proxy's own connection addresses
		bad           string // part of the error, "" when valid
	}{
		{"v1 TCP4", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\n"), "192.0.2.1:56324", "198.51.100.2:1883", ""},
		{"v1 TCP6", []byte("PROXY TCP6 2001:db8::1 2001:db8::2 4000 8883\r\n"), "[2001:db8::1]:4000", "[2001:db8::2]:8883", ""},
		{"v1 longest", []byte("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
			"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", ""},
		{"v1 UNKNOWN", []byte("PROXY UNKNOWN\r\n"), "", "", ""},
		{"v1 UNKNOWN with addresses", []byte("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), "", "", ""},
		{"v2 PROXY IPv4", v2(0x21, 0x11, "c0000201 c6336402 dc04 075b"), "192.0.2.1:56324", "198.51.100.2:1883", ""},
		{"v2 PROXY IPv4 with TLVs", v2(0x21, 0x11, "c0000201 c6336402 dc04 075b 02 0009 62726f6b65722e696f 04 0002 abcd"),
			"192.0.2.1:56324", "198.51.100.2:1883", ""},
		{"v2 PROXY IPv6", v2(0x21, 0x21, "20010db8000000000000000000000001 20010db8000000000000000000000002 0fa0 22b3"),
			"[2001:db8::1]:4000", "[2001:db8::2]:8883", ""},
		// A Unix socket path says nothing about a client (and could read
		// like an IP address to address rules): the proxy's own stands.
		{"v2 PROXY Unix", v2(0x21, 0x31, unixPath("10.1.2.3:1883")+unixPath("/run/wrenmq.sock")), "", "", ""},
		{"v2 LOCAL", v2(0x20, 0x00, ""), "", "", ""},
		{"v2 LOCAL with addresses", v2(0x20, 0x11, "c0000201 c6336402 dc04 075b"), "", "", ""},
		{"v2 UNSPEC", v2(0x21, 0x00, ""), "", "", ""},

		{"no header", []byte{0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T'}, "", "", "does not start"},
		{"v1 lower case", []byte("proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n"), "", "", "does not start"},
		{"v1 too long", []byte("PROXY UNKNOWN " + strings.Repeat("x", 100) + "\r\n"), "", "", "longer than 107"},
		{"v1 LF only", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n"), "", "", "CRLF"},
		{"v1 IPv6 under TCP4", []byte("PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n"), "", "", "not an address for TCP4"},
		{"v1 port too large", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n"), "", "", "not a port"},
		{"v1 port leading zero", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n"), "", "", "not a port"},
		{"v1 missing port", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n"), "", "", "two ports"},
		{"v1 unknown protocol", []byte("PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n"), "", "", "UDP4"},
		{"v2 bad signature", []byte("\r\n\r\n\x00\r\nQUIX\n\x21\x11\x00\x00"), "", "", "signature"},
		{"v2 version 1", v2(0x11, 0x11, "c0000201 c6336402 dc04 075b"), "", "", "version 1"},
		{"v2 command 2", v2(0x22, 0x11, "c0000201 c6336402 dc04 075b"), "", "", "command 2"},
		{"v2 short IPv4 block", v2(0x21, 0x11, "c0000201 c6336402"), "", "", "want 12"},
		{"v2 short IPv6 block", v2(0x21, 0x21, "c0000201 c6336402 dc04 075b"), "", "", "want 36"},
		{"v2 UDP over IPv4", v2(0x21, 0x12, "c0000201 c6336402 dc04 075b"), "", "", "0x12"},
		{"v2 unknown family", v2(0x21, 0x41, "c0000201 c6336402 dc04 075b"), "", "", "0x41"},
		{"v2 unknown transport", v2(0x21, 0x1f, "c0000201 c6336402 dc04 075b"), "", "", "0x1f"},
		{"v2 too long", []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff"), "", "", "at most"},
		{"truncated", []byte("PROXY TCP4 192.0.2.1"), "", "", "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server, client := proxyPair(t, listeners.ProxyProtocol{})
			// The socket is offered at once, before the header arrives.
			_, err := server.(syscall.Conn).SyscallConn()
			require.NoError(t, err)
			_, err = client.Write(append(tc.header, "after"...))
			require.NoError(t, err)
			if tc.name == "truncated" {
				require.NoError(t, client.(*net.TCPConn).CloseWrite())
			}
			_ = server.SetReadDeadline(time.Now().Add(5 * time.Second))
			if tc.bad != "" {
				_, err := server.Read(make([]byte, 16))
				require.ErrorIs(t, err, listeners.ErrProxyHeader)
				require.ErrorContains(t, err, tc.bad)
				require.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String(), "a failed header leaves the proxy's address")
				return
			}
			remote, local := client.LocalAddr().String(), client.RemoteAddr().String()
			if tc.remote != "" {
				remote, local = tc.remote, tc.local
			}
			require.Equal(t, remote, server.RemoteAddr().String())
			require.Equal(t, local, server.LocalAddr().String())
			rest := make([]byte, 5)
			_, err = io.ReadFull(server, rest)
			require.NoError(t, err)
			require.Equal(t, "after", string(rest), "exactly the header is consumed")
		})
	}
}

// proxyPair accepts one connection through a PROXY protocol listener and
// returns both ends.
func proxyPair(t *testing.T, p listeners.ProxyProtocol) (server, client net.Conn) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := listeners.WithProxyProtocol(raw, p)
	t.Cleanup(func() { _ = ln.Close() })
	client, err = net.Dial("tcp", raw.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	server, err = ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Close() })
	return server, client
}

// remotes records the Remote of every client that connects.
type remotes struct {
	mu  sync.Mutex
	got []string
}

func (*remotes) ID() string { return "remotes" }
func (r *remotes) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, _ bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, cl.Remote)
}

func (r *remotes) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// rawConnect sends prefix and a v5 CONNECT on nc and returns the CONNACK,
// or the error that ended the connection first.
func rawConnect(t *testing.T, nc net.Conn, prefix []byte, id string) (*codec.Connack, error) {
	t.Helper()
	b, err := codec.Append(append([]byte(nil), prefix...), &codec.Connect{ProtocolVersion: codec.V5, CleanStart: true, ClientID: id}, codec.V5)
	require.NoError(t, err)
	_, err = nc.Write(b)
	require.NoError(t, err)
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	pk, err := codec.NewReader(nc, 0).ReadPacket(codec.V5)
	if err != nil {
		return nil, err
	}
	return pk.(*codec.Connack), nil
}

// TestProxyProtocolThroughTheBroker: clients behind a proxy are known by
// the addresses in the headers (hooks see them as ClientInfo.Remote, and
// per-IP limits count them), also under TLS; a connection from a trusted
// proxy without a header is closed unanswered; one from elsewhere is
// served as is.
func TestProxyProtocolThroughTheBroker(t *testing.T) {
	p := newPKI(t)
	listen := func(p listeners.ProxyProtocol) net.Listener {
		raw, err := broker.ListenConfig.Listen(context.Background(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		return listeners.WithProxyProtocol(raw, p)
	}
	all := listen(listeners.ProxyProtocol{})
	limitedLn := listen(listeners.ProxyProtocol{})
	limited := listeners.WithLimits(broker.NewNetListener("limited", limitedLn), listeners.ConnLimits{MaxPerIP: 1})
	secure := listen(listeners.ProxyProtocol{})
	elsewhere := listen(listeners.ProxyProtocol{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	web := listeners.NewWebSocket("ws", listen(listeners.ProxyProtocol{}), listeners.WebSocketOptions{})
	rec := &remotes{}
	startBroker(t, []broker.Hook{rec},
		broker.NewNetListener("all", all), limited,
		broker.NewNetListener("tls", tls.NewListener(secure, p.serverConfig())),
		broker.NewNetListener("elsewhere", elsewhere), web)
	dial := func(ln net.Listener) net.Conn {
		nc, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { _ = nc.Close() })
		return nc
	}

	ack, err := rawConnect(t, dial(all), []byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\n"), "v1")
	require.NoError(t, err)
	require.Equal(t, codec.Success, ack.ReasonCode)
	ack, err = rawConnect(t, dial(all), v2(0x21, 0x21, "20010db8000000000000000000000001 20010db8000000000000000000000002 0fa0 22b3"), "v2")
	require.NoError(t, err)
	require.Equal(t, codec.Success, ack.ReasonCode)
	_, err = rawConnect(t, dial(all), nil, "no-header")
	require.Error(t, err, "a trusted peer without a header is closed")

	_, err = rawConnect(t, dial(limitedLn), []byte("PROXY TCP4 192.0.2.7 198.51.100.2 1000 1883\r\n"), "first")
	require.NoError(t, err)
	_, err = rawConnect(t, dial(limitedLn), []byte("PROXY TCP4 192.0.2.8 198.51.100.2 1000 1883\r\n"), "other-ip")
	require.NoError(t, err, "another client address behind the same proxy is another IP")
	_, err = rawConnect(t, dial(limitedLn), []byte("PROXY TCP4 192.0.2.7 198.51.100.2 1001 1883\r\n"), "same-ip")
	require.Error(t, err, "the per-IP limit counts the client's address")

	raw := dial(secure)
	_, err = raw.Write([]byte("PROXY TCP4 192.0.2.9 198.51.100.2 443 8883\r\n"))
	require.NoError(t, err)
	tc := tls.Client(raw, p.clientConfig(false))
	ack, err = rawConnect(t, tc, nil, "tls")
	require.NoError(t, err)
	require.Equal(t, codec.Success, ack.ReasonCode)

	direct := dial(elsewhere)
	ack, err = rawConnect(t, direct, nil, "direct")
	require.NoError(t, err)
	require.Equal(t, codec.Success, ack.ReasonCode)

	d := websocket.Dialer{Subprotocols: []string{"mqtt"}, HandshakeTimeout: 5 * time.Second,
		NetDial: func(network, addr string) (net.Conn, error) {
			nc, err := net.Dial(network, addr)
			if err == nil {
				_, err = nc.Write([]byte("PROXY TCP6 2001:db8::7 2001:db8::2 5000 443\r\n"))
			}
			return nc, err
		}}
	ws, resp, err := d.Dial(wsURL(web, "ws"), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	ack, err = rawConnect(t, listeners.NewClientConn(ws), nil, "ws")
	require.NoError(t, err)
	require.Equal(t, codec.Success, ack.ReasonCode)

	require.Equal(t, []string{"192.0.2.1:56324", "[2001:db8::1]:4000", "192.0.2.7:1000", "192.0.2.8:1000", "192.0.2.9:443",
		direct.LocalAddr().String(), "[2001:db8::7]:5000"}, rec.list())
}

// TestProxyHeaderTimeout: a trusted peer that sends no header is closed
// after HeaderTimeout, whether the broker's first read or a listener
// wrapper's look at the remote address waits for it.
func TestProxyHeaderTimeout(t *testing.T) {
	pp := listeners.ProxyProtocol{HeaderTimeout: 50 * time.Millisecond}
	raw1, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	raw2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := broker.New(broker.Options{SysInterval: -1, ConnectTimeout: time.Hour})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddListener(broker.NewNetListener("plain", listeners.WithProxyProtocol(raw1, pp))))
	require.NoError(t, srv.AddListener(listeners.WithLimits(broker.NewNetListener("limited", listeners.WithProxyProtocol(raw2, pp)), listeners.ConnLimits{MaxPerIP: 10})))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	for _, ln := range []net.Listener{raw1, raw2} {
		nc, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = nc.Read(make([]byte, 1))
		require.ErrorIs(t, err, io.EOF, "closed after the header timeout, not the connect timeout")
		_ = nc.Close()
	}
}

// TestProxyHeaderWaitEndsWithClose: behind WithLimits (which looks at the
// remote address before the server tracks a connection), a connection
// still waiting for its header when the server closes is closed with it,
// not left to HeaderTimeout (goleak in TestMain checks the goroutine).
func TestProxyHeaderWaitEndsWithClose(t *testing.T) {
	raw, err := broker.ListenConfig.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pp := listeners.WithProxyProtocol(raw, listeners.ProxyProtocol{HeaderTimeout: time.Hour})
	srv := broker.New(broker.Options{SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddListener(listeners.WithLimits(broker.NewNetListener("limited", pp), listeners.ConnLimits{MaxPerIP: 10})))
	require.NoError(t, srv.Serve())
	nc, err := net.Dial("tcp", raw.Addr().String())
	require.NoError(t, err)
	defer nc.Close()
	require.Eventually(t, func() bool { return listeners.PendingHeaders(pp) == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, srv.Close())
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = nc.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "closed with the server")
}

// TestProxyRateLimitBeforeHeader: WithLimits' connection rate sheds a flood
// of connections at once, before waiting for their headers.
func TestProxyRateLimitBeforeHeader(t *testing.T) {
	raw, err := broker.ListenConfig.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pp := listeners.WithProxyProtocol(raw, listeners.ProxyProtocol{HeaderTimeout: time.Hour})
	l := listeners.WithLimits(broker.NewNetListener("limited", pp), listeners.ConnLimits{Rate: 1.0 / 3600, Burst: 1})
	startBroker(t, nil, l)
	for range 5 {
		nc, err := net.Dial("tcp", raw.Addr().String())
		require.NoError(t, err)
		defer nc.Close()
	}
	require.Eventually(t, func() bool { return l.Refused() == 4 }, 5*time.Second, time.Millisecond,
		"4 of 5 header-less connections refused by the rate at once")
}

// TestProxyHeaderTimeoutHoldsAgainstDeadlines: a read deadline set while
// the header is read does not extend the header's wait past HeaderTimeout.
func TestProxyHeaderTimeoutHoldsAgainstDeadlines(t *testing.T) {
	server, _ := proxyPair(t, listeners.ProxyProtocol{HeaderTimeout: 100 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := server.Read(make([]byte, 1))
		done <- err
	}()
	require.Eventually(t, func() bool { return listeners.ReadingHeader(server) }, 5*time.Second, time.Millisecond)
	require.NoError(t, server.SetReadDeadline(time.Now().Add(time.Hour)))
	select {
	case err := <-done:
		require.ErrorIs(t, err, listeners.ErrProxyHeader)
	case <-time.After(5 * time.Second):
		_ = server.Close()
		<-done
		t.Fatal("the header wait outlived HeaderTimeout")
	}
}
