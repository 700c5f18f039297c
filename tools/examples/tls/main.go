// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command tls serves MQTT over TLS on :8883 and verifies client
// certificates when given; the subject of a verified certificate reaches
// hooks as ClientInfo.CertSubject, which this example logs and uses to
// authenticate clients without a password.
//
//	go run ./examples/tls -cert server.crt -key server.key -client-ca ca.crt
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log/slog"
	"os"
	"os/signal"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

// certAuth admits clients that presented a verified certificate.
type certAuth struct{}

func (certAuth) ID() string { return "cert-auth" }

func (certAuth) OnConnectAuthenticate(cl *broker.ClientInfo, _ *codec.Connect) codec.ReasonCode {
	if cl.CertSubject == nil {
		return codec.NotAuthorized
	}
	slog.Info("certificate client", "client", cl.ID, "subject", cl.CertSubject.String())
	return codec.Success
}

func (certAuth) OnACLCheck(*broker.ClientInfo, string, broker.Access) bool { return true }

func main() {
	addr := flag.String("addr", ":8883", "listen address")
	certFile := flag.String("cert", "server.crt", "server certificate (PEM)")
	keyFile := flag.String("key", "server.key", "server private key (PEM)")
	caFile := flag.String("client-ca", "", "CA of client certificates (PEM); empty: none verified")
	flag.Parse()

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fail("load server certificate", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fail("read client CA", err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		cfg.ClientCAs.AppendCertsFromPEM(pem)
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}

	srv := broker.New(broker.Options{})
	_ = srv.AddHook(certAuth{})
	l, err := listeners.ListenTLS("tls", *addr, cfg)
	if err != nil {
		fail("listen", err)
	}
	_ = srv.AddListener(l)
	if err := srv.Serve(); err != nil {
		fail("serve", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	_ = srv.Close()
}

func fail(what string, err error) {
	slog.Error(what, "err", err)
	os.Exit(1)
}
