// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"errors"
	"net"
	"syscall"
)

// wrapped is embedded by this package's connection wrappers (per-IP
// limits, PROXY protocol): it passes on what the broker looks for in the
// connection it wraps, none of which buffers a byte.
type wrapped struct{ net.Conn }

// CloseWrite shuts the write side of the wrapped connection when it can
// (TCP, Unix and TLS connections can), so that the server can still end a
// connection with a lingering close.
func (w wrapped) CloseWrite() error {
	if cw, ok := w.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// SyscallConn gives the wrapped connection's socket when it has one (TCP
// and Unix connections, not TLS), so that the server can wait for an idle
// client's next packet without holding a read buffer.
func (w wrapped) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := w.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// Unwrap returns the wrapped connection, so the server still finds the
// socket and the TLS state.
func (w wrapped) Unwrap() net.Conn { return w.Conn }
