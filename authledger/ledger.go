// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/wrenmq/wrenmq/broker"
)

// Errors a ledger document can fail with; every one reaches the caller
// wrapped in a [*ParseError] that names the file, line and rule.
var (
	// ErrUnknownField is a key the ledger format does not define.
	ErrUnknownField = errors.New("unknown field")
	// ErrUnknownAccess is an access name other than deny, read, write and readwrite.
	ErrUnknownAccess = errors.New("unknown access")
	// ErrBadFilter is a malformed topic filter.
	ErrBadFilter = errors.New("malformed topic filter")
	// ErrDuplicate is a rule or filter that repeats an earlier one.
	ErrDuplicate = errors.New("duplicate")
	// ErrBadValue is a value of the wrong type or form.
	ErrBadValue = errors.New("bad value")
	// ErrPlaintext is a password that is not a bcrypt hash in a ledger
	// without allow_plaintext: true.
	ErrPlaintext = errors.New("plain-text password")
)

// ParseError is a problem found in a ledger document.
type ParseError struct {
	// File is the path given to [Load], or empty for [Parse].
	File string
	// Line is the 1-based line of the offending node, 0 when unknown.
	Line int
	// Rule names the rule, such as "acl rule 3"; empty for top-level fields.
	Rule string
	// Err is what is wrong; it wraps one of the Err* sentinels where one applies.
	Err error
}

// Error formats the error as "file:line: rule: problem".
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	} else {
		b.WriteString("ledger:")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
	}
	b.WriteByte(' ')
	if e.Rule != "" {
		b.WriteString(e.Rule)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *ParseError) Unwrap() error { return e.Err }

// Ledger is a validated, immutable set of authentication rules, ACL rules
// and a default access. It is safe for concurrent use; replace it as a whole
// with [Hook.Reload].
type Ledger struct {
	dflt           Access
	allowPlaintext bool
	// refusePartial refuses subscriptions readable only in part instead
	// of granting them filtered (partial_subscriptions: refuse).
	refusePartial bool
	auth          []authRule
	acl           []aclRule
	authIndex     ruleIndex
	aclIndex      ruleIndex
	// compare replaces bcrypt.CompareHashAndPassword in tests.
	compare func(hash, password []byte) error
}

// Default returns the access given to topics no ACL rule matches.
func (l *Ledger) Default() Access { return l.dflt }

// identity is what rules match a client on.
type identity struct {
	clientID, username, remote string
	// certCN is the Common Name of the verified TLS client certificate;
	// hasCert is false without one.
	certCN  string
	hasCert bool
}

// identityOf builds the identity of cl with the given user name (from the
// CONNECT, or the SCRAM exchange).
func identityOf(cl *broker.ClientInfo, username string) identity {
	id := identity{clientID: cl.ID, username: username, remote: cl.Remote}
	if cl.CertSubject != nil {
		id.certCN, id.hasCert = cl.CertSubject.CommonName, true
	}
	return id
}

// who is the identity part of a rule; an empty pattern matches anything.
type who struct {
	client, username string // '*' glob patterns
	remote           *remotePattern
	certCN           string // '*' glob pattern; only clients with a verified certificate match
}

func (w *who) match(id identity) bool {
	if w.client != "" && !globMatch(w.client, id.clientID) {
		return false
	}
	if w.username != "" && !globMatch(w.username, id.username) {
		return false
	}
	if w.remote != nil && !w.remote.match(id.remote) {
		return false
	}
	if w.certCN != "" && (!id.hasCert || !globMatch(w.certCN, id.certCN)) {
		return false
	}
	return true
}

func (w *who) key() string {
	r := ""
	if w.remote != nil {
		r = w.remote.raw
	}
	return w.client + "\x00" + w.username + "\x00" + r + "\x00" + w.certCN
}

// authRule is one entry of the ledger's auth list.
type authRule struct {
	line     int
	who      who
	password string // bcrypt hash, or plain text when plain
	plain    bool
	scram    *SCRAMCredentials
	allow    bool
}

// aclRule is one entry of the ledger's acl list.
type aclRule struct {
	line    int
	who     who
	filters []aclFilter
}

// aclFilter is one filter of an ACL rule, in document order.
type aclFilter struct {
	line      int
	raw       string
	rawLevels []string // split raw filter, placeholders unexpanded
	// levels are the levels with "%%" expanded; used as they are only
	// when the filter has no placeholder.
	levels []string
	// phLevel is the first level holding a placeholder, or -1.
	phLevel int
	access  Access
}

// Load reads and parses the ledger file at path (YAML or JSON).
func Load(path string) (*Ledger, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load ledger: %w", err)
	}
	return parse(data, path)
}

// Parse parses and validates a ledger document in YAML or JSON (the YAML
// parser reads JSON, so errors carry line numbers for both).
func Parse(data []byte) (*Ledger, error) { return parse(data, "") }

func parse(data []byte, file string) (*Ledger, error) {
	p := &parser{file: file}
	l, err := p.document(data)
	if err != nil {
		return nil, err
	}
	if l.allowPlaintext {
		for _, r := range l.auth {
			if r.plain {
				slog.Warn("authledger: ledger accepts plain-text passwords; store bcrypt hashes instead (wrenmq-passwd)",
					"file", file, "line", r.line)
				break
			}
		}
	}
	return l, nil
}
