// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/wrenmq/wrenmq/broker"
)

// ListenTLS listens on the TCP address addr and serves TLS with cfg. To
// verify client certificates set cfg.ClientAuth (for example
// tls.VerifyClientCertIfGiven) and cfg.ClientCAs; the subject of a verified
// client certificate is then visible to hooks as broker.ClientInfo.CertSubject.
func ListenTLS(id, addr string, cfg *tls.Config) (*broker.NetListener, error) {
	if cfg == nil || (len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil) {
		return nil, fmt.Errorf("listener %s: listen on tls %s: the TLS configuration has no server certificate", id, addr)
	}
	ln, err := broker.ListenConfig.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listener %s: listen on tls %s: %w", id, addr, err)
	}
	return broker.NewNetListener(id, tls.NewListener(ln, cfg)), nil
}

// ListenUnix listens on the Unix socket at path. A stale socket file left
// by a process that is gone is removed first; a socket some process still
// accepts on, or a file that is not a socket, is an error. The socket file
// is removed when the listener is closed.
func ListenUnix(id, path string) (*broker.NetListener, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, fmt.Errorf("listener %s: listen on unix %s: %w", id, path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listener %s: listen on unix %s: %w", id, path, err)
	}
	return broker.NewNetListener(id, ln), nil
}

// removeStaleSocket removes path when it is a socket nobody accepts on.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return errors.New("the path exists and is not a socket; refusing to remove it")
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		_ = c.Close()
		return errors.New("another process is accepting on this socket")
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}
