// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

// startBroker starts a broker allowing everyone, with the given hooks and
// listeners, closed at the end of the test.
func startBroker(t *testing.T, hooks []broker.Hook, ls ...broker.Listener) *broker.Server {
	t.Helper()
	srv := broker.New(broker.Options{SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	for _, h := range hooks {
		require.NoError(t, srv.AddHook(h))
	}
	for _, l := range ls {
		require.NoError(t, srv.AddListener(l))
	}
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	return srv
}

// wsURL is the ws:// URL of a WebSocket listener.
func wsURL(l *listeners.WebSocket, scheme string) string {
	return scheme + "://" + l.Addr().String() + l.Path()
}

// dialWS opens a WebSocket connection offering the "mqtt" subprotocol.
func dialWS(t *testing.T, url string, tlsCfg *tls.Config, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"mqtt"}, TLSClientConfig: tlsCfg, HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial(url, header)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return ws, resp, err
}

// pahoClient is a connected paho v5 client and the messages it receives.
type pahoClient struct {
	*paho.Client
	msgs chan *paho.Publish
}

// connectPaho runs an MQTT v5 CONNECT with paho over nc.
func connectPaho(t *testing.T, nc net.Conn, id string) *pahoClient {
	t.Helper()
	pc := &pahoClient{msgs: make(chan *paho.Publish, 16)}
	pc.Client = paho.NewClient(paho.ClientConfig{
		Conn: &lockedConn{Conn: nc},
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(r paho.PublishReceived) (bool, error) { pc.msgs <- r.Packet; return true, nil },
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ca, err := pc.Connect(ctx, &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30})
	require.NoError(t, err)
	require.Equal(t, byte(0), ca.ReasonCode)
	t.Cleanup(func() {
		_ = pc.Disconnect(&paho.Disconnect{ReasonCode: 0})
		<-pc.Done()
	})
	return pc
}

// lockedConn makes paho's writes atomic: paho writes a packet with several
// Write calls unless the connection is a sync.Locker (TLS and WebSocket
// connections are not), so two of its goroutines could interleave bytes.
type lockedConn struct {
	net.Conn
	sync.Mutex
}

// roundTrip subscribes to topic, publishes to it and waits for the message.
func (pc *pahoClient) roundTrip(t *testing.T, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sa, err := pc.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}})
	require.NoError(t, err)
	require.Equal(t, []byte{1}, sa.Reasons)
	_, err = pc.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)})
	require.NoError(t, err)
	select {
	case m := <-pc.msgs:
		require.Equal(t, topic, m.Topic)
		require.Equal(t, payload, string(m.Payload))
	case <-ctx.Done():
		t.Fatalf("no message on %s", topic)
	}
}

// encode encodes packets for protocol version v.
func encode(t *testing.T, v codec.Version, pks ...codec.Packet) []byte {
	t.Helper()
	var b []byte
	for _, pk := range pks {
		var err error
		b, err = codec.Append(b, pk, v)
		require.NoError(t, err)
	}
	return b
}

// clientInfos is a hook recording the ClientInfo of every session.
type clientInfos chan broker.ClientInfo

func (clientInfos) ID() string { return "client-infos" }

func (c clientInfos) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, _ bool) {
	select {
	case c <- *cl:
	default:
	}
}

// pki is a test certificate authority with a server and a client certificate.
type pki struct {
	caPool *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k
	}
	now := time.Now()
	caKey := key()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wrenmq test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leaf := func(serial int64, name pkix.Name, usage x509.ExtKeyUsage, ips []net.IP) tls.Certificate {
		k := key()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: name,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		require.NoError(t, err)
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	p := &pki{caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)
	p.server = leaf(2, pkix.Name{CommonName: "localhost"}, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	p.client = leaf(3, pkix.Name{CommonName: "device-7", Organization: []string{"wrenmq tests"}}, x509.ExtKeyUsageClientAuth, nil)
	return p
}

// serverConfig verifies client certificates when given.
func (p *pki) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.caPool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}
}

// clientConfig trusts the CA and presents the client certificate if withCert.
func (p *pki) clientConfig(withCert bool) *tls.Config {
	c := &tls.Config{RootCAs: p.caPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if withCert {
		c.Certificates = []tls.Certificate{p.client}
	}
	return c
}
