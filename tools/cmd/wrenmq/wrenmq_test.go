// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/gorilla/websocket"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	out, err := exec.Command(bin, "-version").Output()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), "wrenmq "), "%q", out)
}

// Flags only, port 0 everywhere: anonymous on loopback, TCP, WebSocket,
// stats, health and Prometheus metrics.
func TestFlagsLoopbackAnonymous(t *testing.T) {
	p := startWrenmq(t, "-tcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-http", "127.0.0.1:0")
	p.waitLog(t, func(l map[string]any) bool {
		m, _ := l["msg"].(string)
		return l["level"] == "WARN" && strings.Contains(m, "anonymous clients are allowed because every MQTT listener is on loopback")
	})
	tcpAddr, wsAddr, httpAddr := p.addr(t, "tcp"), p.addr(t, "ws"), p.httpAddr(t)
	require.NotContains(t, []string{tcpAddr, wsAddr, httpAddr}, "127.0.0.1:0")

	nc, err := net.Dial("tcp", tcpAddr)
	require.NoError(t, err)
	connect(t, nc, "tcp-client", "", "").echo(t, "t/tcp", "over tcp")
	connect(t, dialWS(t, "ws://"+wsAddr+"/mqtt", nil), "ws-client", "", "").echo(t, "t/ws", "over websocket")

	code, body := httpGet(t, "http://"+httpAddr+"/stats")
	require.Equal(t, http.StatusOK, code)
	var stats map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &stats))
	require.EqualValues(t, 2, stats["clients_connected"])
	code, _ = httpGet(t, "http://"+httpAddr+"/healthz")
	require.Equal(t, http.StatusOK, code)
	code, _ = httpGet(t, "http://"+httpAddr+"/readyz")
	require.Equal(t, http.StatusOK, code)

	resp, err := http.Get("http://" + httpAddr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 2.0, fams["wrenmq_clients_connected"].GetMetric()[0].GetGauge().GetValue())
	require.Equal(t, 2.0, fams["wrenmq_subscriptions"].GetMetric()[0].GetGauge().GetValue())
	var connects float64
	for _, m := range fams["wrenmq_connects_total"].GetMetric() {
		connects += m.GetCounter().GetValue()
	}
	require.Equal(t, 2.0, connects)
}

func TestNonLoopbackWithoutAuthRefused(t *testing.T) {
	out, err := exec.Command(bin, "-tcp", "0.0.0.0:0", "-ws", "off").CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 1, ee.ExitCode())
	require.Contains(t, string(out), "listener tcp listens on 0.0.0.0:0, which is not loopback, and no auth is configured")
}

func TestExampleConfigIsValid(t *testing.T) {
	out, err := exec.Command(bin, "-check-config", "wrenmq.example.yaml").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "is valid")
}

func TestBadConfigurations(t *testing.T) {
	tests := []struct{ name, config, want string }{
		{"unknown key", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\n    adress: x\n", `:4: unknown key "adress"`},
		{"unknown top-level key", "listener: []\n", `:1: unknown key "listener"`},
		{"bad type", "listeners:\n  - type: quic\n    address: 127.0.0.1:0\n", `:2: listeners[0].type: unknown listener type "quic"`},
		{"bad address", "listeners:\n  - type: tcp\n    address: localhost\n", `:3: listeners[0].address: "localhost" is not host:port`},
		{"tls without files", "listeners:\n  - type: tls\n    address: 127.0.0.1:0\n", "a tls listener needs a tls section with cert and key"},
		{"missing cert file", "listeners:\n  - type: tls\n    address: 127.0.0.1:0\n    tls:\n      cert: /nonexistent.crt\n      key: /nonexistent.key\n", ":5: listeners[0].tls.cert: load certificate /nonexistent.crt"},
		{"bad qos", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\ncapabilities:\n  maximum_qos: 3\n", ":5: capabilities.maximum_qos: 3 is not a QoS"},
		{"bad duration", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\nsys_interval: soon\n", `:4: "soon" is not a duration`},
		{"bad storage", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\nstorage:\n  backend: floppy\n", `:5: storage.backend: unknown backend "floppy"`},
		{"badger without dir", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\nstorage:\n  backend: badger\n", "the badger backend needs badger: {dir: PATH}"},
		{"empty auth", "listeners:\n  - type: tcp\n    address: 0.0.0.0:0\nauth: {}\n", ":4: auth: set allow_all: true or ledger: FILE"},
		{"missing ledger", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\nauth:\n  ledger: /nonexistent/ledger.yaml\n", ":5: auth.ledger: ledger /nonexistent/ledger.yaml"},
		{"no auth off loopback", "listeners:\n  - type: ws\n    address: :0\n", "listener ws listens on :0, which is not loopback, and no auth is configured"},
		{"bad log level", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\nlogging:\n  level: chatty\n", `:5: logging.level: unknown level "chatty"`},
		{"proxy_trusted alone", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\n    proxy_trusted: [10.0.0.0/8]\n", ":4: listeners[0].proxy_trusted: proxy_trusted needs proxy_protocol: true"},
		{"proxy bad network", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\n    proxy_protocol: true\n    proxy_trusted: [10.0.0.0/33]\n", `:5: listeners[0].proxy_trusted[0]: "10.0.0.0/33" is not a CIDR network`},
		{"proxy without auth", "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\n    proxy_protocol: true\n", "listener tcp serves clients of other hosts through a PROXY protocol proxy, and no auth is configured"},
		{"proxy on unix", "listeners:\n  - type: unix\n    address: /tmp/x.sock\n    proxy_protocol: true\n", ":4: listeners[0].proxy_protocol: the PROXY protocol is for tcp, tls, ws and wss listeners"},
		{"json", `{"listeners": [{"type": "tcp", "address": "127.0.0.1:0", "port": 1}]}`, `:1: unknown key "port"`},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, "c"+string(rune('a'+i))+".yaml", tt.config)
			for _, flag := range []string{"-check-config", "-config"} {
				out, err := exec.Command(bin, flag, path).CombinedOutput()
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee, "%s %s: %s", flag, path, out)
				require.Equal(t, 1, ee.ExitCode())
				want := tt.want
				if strings.HasPrefix(want, ":") { // a line number: the message names the file
					want = path + want
				}
				require.Contains(t, string(out), want, "%s: %s", flag, out)
			}
		})
	}
}

// pemFiles writes a CA, a server certificate for 127.0.0.1 and a client
// certificate to dir and returns a client TLS configuration.
func pemFiles(t *testing.T, dir string) (caFile, certFile, keyFile string, clientCfg *tls.Config) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		require.NoError(t, err)
		return der, k
	}
	pemOf := func(typ string, b []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})) }
	keyPEM := func(k *ecdsa.PrivateKey) string {
		b, err := x509.MarshalECPrivateKey(k)
		require.NoError(t, err)
		return pemOf("EC PRIVATE KEY", b)
	}
	srvDER, srvKey := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := leaf(3, "device-9", x509.ExtKeyUsageClientAuth)
	caFile = writeFile(t, dir, "ca.crt", pemOf("CERTIFICATE", caDER))
	certFile = writeFile(t, dir, "server.crt", pemOf("CERTIFICATE", srvDER))
	keyFile = writeFile(t, dir, "server.key", keyPEM(srvKey))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	clientCert, err := tls.X509KeyPair([]byte(pemOf("CERTIFICATE", cliDER)), []byte(keyPEM(cliKey)))
	require.NoError(t, err)
	return caFile, certFile, keyFile, &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}, MinVersion: tls.VersionTLS12}
}

// A configuration file with TLS (client certificates required, and a
// ledger rule on the certificate's Common Name), secure WebSocket, a Unix
// socket and an auth ledger reloaded on SIGHUP.
func TestConfigFileListenersAndReload(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key, clientTLS := pemFiles(t, dir)
	sockDir, err := os.MkdirTemp("", "wrenmq-sock")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "mqtt.sock")
	ledger := writeFile(t, dir, "ledger.yaml", "allow_plaintext: true\ndefault: readwrite\nauth:\n  - username: alice\n    password: a-pw\n    allow: true\n  - cert_cn: 'device-*'\n    allow: true\n")
	cfg := writeFile(t, dir, "wrenmq.yaml", `
listeners:
  - {type: tcp, address: "127.0.0.1:0"}
  - type: tls
    address: 127.0.0.1:0
    tls: {cert: `+cert+`, key: `+key+`, client_ca: `+ca+`}
  - type: wss
    address: 127.0.0.1:0
    path: /secure
    tls: {cert: `+cert+`, key: `+key+`}
  - {id: local, type: unix, address: `+sock+`}
auth:
  ledger: `+ledger+`
logging:
  level: info
sys_interval: 0s
`)
	p := startWrenmq(t, "-config", cfg)

	tc, err := tls.Dial("tcp", p.addr(t, "tls"), clientTLS)
	require.NoError(t, err)
	connect(t, tc, "tls-client", "alice", "a-pw").echo(t, "t/tls", "over tls")
	// The client certificate (CN device-9) is the credential: cert_cn rule.
	tc, err = tls.Dial("tcp", p.addr(t, "tls"), clientTLS)
	require.NoError(t, err)
	connect(t, tc, "tls-device", "", "").echo(t, "t/device", "by certificate")

	noCert := clientTLS.Clone()
	noCert.Certificates = nil
	if tc, err := tls.Dial("tcp", p.addr(t, "tls"), noCert); err == nil {
		// TLS 1.3 reports a missing client certificate on the first read.
		_, _ = tc.Write([]byte{0x10, 0})
		_ = tc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = tc.Read(make([]byte, 1))
		require.Error(t, err, "a client without a certificate must be refused")
		var ne net.Error
		require.False(t, errorsAs(err, &ne) && ne.Timeout())
		_ = tc.Close()
	}

	wss := dialWS(t, "wss://"+p.addr(t, "wss")+"/secure", &websocket.Dialer{TLSClientConfig: clientTLS})
	connect(t, wss, "wss-client", "alice", "a-pw").echo(t, "t/wss", "over wss")

	uc, err := net.Dial("unix", sock)
	require.NoError(t, err)
	alice := connect(t, uc, "unix-client", "alice", "a-pw")
	alice.echo(t, "t/unix", "over unix")

	nc, err := net.Dial("tcp", p.addr(t, "tcp"))
	require.NoError(t, err)
	_, code, _ := tryConnect(t, nc, "bob-1", "bob", "b-pw")
	require.NotEqual(t, byte(0), code, "bob is not in the ledger yet")

	// SIGHUP reloads the ledger and the log level; alice stays connected,
	// but her subscription to t/unix, which she may no longer read, ends.
	require.NoError(t, os.WriteFile(ledger, []byte("allow_plaintext: true\ndefault: readwrite\nauth:\n  - username: alice\n    password: a-pw\n    allow: true\n  - username: bob\n    password: b-pw\n    allow: true\n"+
		"acl:\n  - username: alice\n    filters:\n      't/unix': write\n"), 0o600))
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(readFile(t, cfg), "level: info", "level: debug", 1)), 0o600))
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "auth ledger reloaded" })
	p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "log level changed" && l["new_level"] == "DEBUG" })
	p.waitLog(t, func(l map[string]any) bool {
		return l["msg"] == "subscriptions no longer allowed were removed" && l["subscriptions"] == float64(1)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pr, err := alice.Publish(ctx, &paho.Publish{Topic: "t/unix", QoS: 1, Payload: []byte("unread")})
	require.NoError(t, err)
	require.Equal(t, byte(0x10), pr.ReasonCode, "no matching subscribers: alice's subscription was removed")

	nc, err = net.Dial("tcp", p.addr(t, "tcp"))
	require.NoError(t, err)
	connect(t, nc, "bob-2", "bob", "b-pw").echo(t, "t/bob", "after reload")
	alice.echo(t, "t/unix2", "still connected")
}

// A listener behind a PROXY protocol proxy: the ledger's address rules see
// the client's address from the header; a connection from the trusted
// proxy without one is closed.
func TestProxyProtocolListener(t *testing.T) {
	dir := t.TempDir()
	ledger := writeFile(t, dir, "ledger.yaml", "default: readwrite\nauth:\n  - remote: 192.0.2.0/24\n    allow: true\n")
	cfg := writeFile(t, dir, "wrenmq.yaml", `
listeners:
  - {type: tcp, address: "127.0.0.1:0", proxy_protocol: true, proxy_trusted: [127.0.0.0/8]}
auth:
  ledger: `+ledger+`
sys_interval: 0s
`)
	p := startWrenmq(t, "-config", cfg)
	dialWith := func(header string) net.Conn {
		nc, err := net.Dial("tcp", p.addr(t, "tcp"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = nc.Close() })
		if header != "" {
			_, err = nc.Write([]byte(header))
			require.NoError(t, err)
		}
		return nc
	}
	connect(t, dialWith("PROXY TCP4 192.0.2.5 127.0.0.1 40000 1883\r\n"), "behind-proxy", "", "").echo(t, "t/proxy", "via proxy")
	_, code, _ := tryConnect(t, dialWith("PROXY TCP4 203.0.113.9 127.0.0.1 40000 1883\r\n"), "elsewhere", "", "")
	require.Equal(t, byte(0x87), code, "the ledger judged the address from the header")
	_, _, err := tryConnect(t, dialWith(""), "no-header", "", "")
	require.Error(t, err, "a connection from the trusted proxy must start with a header")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// Retained messages survive a restart with the badger backend; an
// unreachable redis fails the start with a message naming it.
func TestStorageBadgerRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "c.yaml", "listeners:\n  - {type: tcp, address: \"127.0.0.1:0\"}\nstorage:\n  backend: badger\n  badger: {dir: "+filepath.Join(dir, "data")+"}\nsys_interval: 0s\n")
	p := startWrenmq(t, "-config", cfg)
	nc, err := net.Dial("tcp", p.addr(t, "tcp"))
	require.NoError(t, err)
	c := connect(t, nc, "writer", "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Publish(ctx, &paho.Publish{Topic: "kept/1", QoS: 1, Retain: true, Payload: []byte("durable")})
	require.NoError(t, err)
	require.NoError(t, c.Disconnect(&paho.Disconnect{}))
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	<-p.done
	require.NoError(t, p.err)

	p = startWrenmq(t, "-config", cfg)
	nc, err = net.Dial("tcp", p.addr(t, "tcp"))
	require.NoError(t, err)
	r := connect(t, nc, "reader", "", "")
	_, err = r.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "kept/#", QoS: 1}}})
	require.NoError(t, err)
	select {
	case m := <-r.msgs:
		require.Equal(t, "durable", string(m.Payload))
		require.True(t, m.Retain)
	case <-ctx.Done():
		t.Fatal("the retained message did not survive the restart")
	}
}

func TestStorageRedisUnreachable(t *testing.T) {
	cfg := writeFile(t, t.TempDir(), "c.yaml", "listeners:\n  - {type: tcp, address: \"127.0.0.1:0\"}\nstorage:\n  backend: redis\n  redis: {addr: \"127.0.0.1:1\"}\n")
	out, err := exec.Command(bin, "-config", cfg).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "storage redis 127.0.0.1:1")
}

func TestDebugPackets(t *testing.T) {
	p := startWrenmq(t, "-tcp", "127.0.0.1:0", "-ws", "off", "-debug-packets")
	nc, err := net.Dial("tcp", p.addr(t, "tcp"))
	require.NoError(t, err)
	connect(t, nc, "chatty", "", "").echo(t, "dbg/x", "seen")
	p.waitLog(t, func(l map[string]any) bool {
		return l["msg"] == "packet in" && l["type"] == "PUBLISH" && l["topic"] == "dbg/x" && l["client"] == "chatty"
	})
	p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "packet out" && l["type"] == "SUBACK" })
}

// TestFatalErrorsAreJSONWithJSONLogs: with -log-format json, the line that
// says why wrenmq stopped is JSON like every other line, so that a log
// shipper keeps it; with text logs it reads "wrenmq: ...". A bad flag is
// reported once.
func TestFatalErrorsAreJSONWithJSONLogs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	busy := ln.Addr().String()

	out, err := exec.Command(bin, "-tcp", busy, "-ws", "off", "-log-format", "json").Output() // stdout only
	require.Error(t, err)
	require.Empty(t, out)
	cmd := exec.Command(bin, "-tcp", busy, "-ws", "off", "-log-format", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.Error(t, cmd.Run())
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "not JSON: %q", l)
	}
	var last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	require.Equal(t, "ERROR", last["level"])
	require.Contains(t, last["err"], "address already in use")

	text, err := exec.Command(bin, "-tcp", busy, "-ws", "off").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(text), "wrenmq: listener tcp")

	flagOut, err := exec.Command(bin, "-no-such-flag").CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 2, ee.ExitCode())
	require.Equal(t, 1, strings.Count(string(flagOut), "flag provided but not defined"), "%s", flagOut)
}
