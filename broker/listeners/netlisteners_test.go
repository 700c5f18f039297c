// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
)

func TestTLSClientCertificate(t *testing.T) {
	p := newPKI(t)
	l, err := listeners.ListenTLS("tls", "127.0.0.1:0", p.serverConfig())
	require.NoError(t, err)
	infos := make(clientInfos, 4)
	startBroker(t, []broker.Hook{infos}, l)

	for _, withCert := range []bool{true, false} {
		nc, err := tls.Dial("tcp", l.Addr().String(), p.clientConfig(withCert))
		require.NoError(t, err)
		pc := connectPaho(t, nc, fmt.Sprintf("tls-client-cert-%v", withCert))
		pc.roundTrip(t, "tls/echo", "secret")
		cl := <-infos
		require.Equal(t, "tls", cl.Listener)
		if withCert {
			require.NotNil(t, cl.CertSubject)
			require.Equal(t, "device-7", cl.CertSubject.CommonName)
			require.Equal(t, []string{"wrenmq tests"}, cl.CertSubject.Organization)
		} else {
			require.Nil(t, cl.CertSubject)
		}
	}
}

func TestWSSClientCertificate(t *testing.T) {
	p := newPKI(t)
	l, err := listeners.ListenWebSocket("wss", "127.0.0.1:0", listeners.WebSocketOptions{TLSConfig: p.serverConfig()})
	require.NoError(t, err)
	infos := make(clientInfos, 1)
	startBroker(t, []broker.Hook{infos}, l)
	ws, _, err := dialWS(t, wsURL(l, "wss"), p.clientConfig(true), nil)
	require.NoError(t, err)
	pc := connectPaho(t, listeners.NewClientConn(ws), "wss-client")
	pc.roundTrip(t, "wss/echo", "secret")
	cl := <-infos
	require.NotNil(t, cl.CertSubject)
	require.Equal(t, "device-7", cl.CertSubject.CommonName)
}

func TestListenTLSNeedsCertificate(t *testing.T) {
	_, err := listeners.ListenTLS("tls", "127.0.0.1:0", &tls.Config{})
	require.ErrorContains(t, err, "no server certificate")
}

func TestUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "wrenmq-unix") // short: socket paths are limited to ~100 bytes
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "mqtt.sock")

	// A stale socket file left behind by a dead process.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	stale.SetUnlinkOnClose(false)
	require.NoError(t, stale.Close())
	_, err = os.Stat(path)
	require.NoError(t, err)

	l, err := listeners.ListenUnix("unix", path)
	require.NoError(t, err)
	startBroker(t, nil, l)

	_, err = listeners.ListenUnix("unix-2", path)
	require.ErrorContains(t, err, "another process is accepting")

	nc, err := net.DialTimeout("unix", path, 5*time.Second)
	require.NoError(t, err)
	pc := connectPaho(t, nc, "unix-client")
	pc.roundTrip(t, "unix/echo", "local")
}

func TestUnixSocketRefusesRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	_, err := listeners.ListenUnix("unix", path)
	require.ErrorContains(t, err, "is not a socket")
}
