// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// globMatch reports whether s matches pattern, where '*' matches any run of
// characters (including none) and every other character matches itself.
func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	prefix := pattern[:star]
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	s = s[len(prefix):]
	rest := pattern[star+1:]
	if rest == "" {
		return true
	}
	// Try every split point; patterns are short and written by operators.
	for i := 0; i <= len(s); i++ {
		if globMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// remotePattern matches a client's remote address. It is either a CIDR
// prefix ("10.0.0.0/8", any port) or a host pattern with an optional port
// pattern ("127.0.0.1", "127.0.0.*:*", "[::1]:1883", "*:1883"), where '*'
// matches any run of characters.
type remotePattern struct {
	raw    string
	prefix netip.Prefix
	cidr   bool
	host   string
	addr   netip.Addr // set when host is a literal IP address
	port   string
}

// parseRemote compiles a remote pattern.
func parseRemote(s string) (remotePattern, error) {
	p := remotePattern{raw: s}
	if s == "" {
		return p, fmt.Errorf("%w: empty remote pattern", ErrBadValue)
	}
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%w: remote %q: %w", ErrBadValue, s, err)
		}
		p.prefix, p.cidr = pfx.Masked(), true
		return p, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port (or a bare IPv6 address): any port.
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), "*"
	}
	if host == "" {
		return p, fmt.Errorf("%w: remote %q has an empty host", ErrBadValue, s)
	}
	if port == "" {
		return p, fmt.Errorf("%w: remote %q has an empty port", ErrBadValue, s)
	}
	if !strings.Contains(port, "*") {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return p, fmt.Errorf("%w: remote %q: port %q is not a number 0-65535 or a '*' pattern", ErrBadValue, s, port)
		}
	} else if strings.Trim(port, "*0123456789") != "" {
		return p, fmt.Errorf("%w: remote %q: port pattern %q may hold only digits and '*'", ErrBadValue, s, port)
	}
	p.host, p.port = host, port
	if !strings.Contains(host, "*") {
		if a, err := netip.ParseAddr(host); err == nil {
			p.addr = a.Unmap()
		}
	}
	return p, nil
}

// match reports whether the remote address ("host:port", as net.Conn
// reports it) matches the pattern. An address that is not host:port is
// matched as a host with an empty port.
func (p *remotePattern) match(remote string) bool {
	host, port, err := net.SplitHostPort(remote)
	if err != nil {
		host, port = remote, ""
	}
	if p.cidr {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		return p.prefix.Contains(a.Unmap())
	}
	if p.port != "*" && !globMatch(p.port, port) {
		return false
	}
	if p.addr.IsValid() {
		a, err := netip.ParseAddr(host)
		return err == nil && a.Unmap() == p.addr
	}
	return globMatch(p.host, host)
}
