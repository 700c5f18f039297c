// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"crypto/subtle"

	"golang.org/x/crypto/bcrypt"
)

// verdict is the outcome of an authentication decision.
type verdict int

const (
	// allowed lets the client connect.
	allowed verdict = iota
	// notAuthorized: no rule lets this client in, or a rule refuses it (0x87).
	notAuthorized
	// badCredentials: the rule that matched wants a password the client
	// did not give (0x86).
	badCredentials
)

// authRuleFor returns the first auth rule whose identity fields match, or
// nil. The first matching rule decides: a later rule is never consulted,
// even if the password of the first is wrong.
func (l *Ledger) authRuleFor(id identity) *authRule {
	c := l.authIndex.candidates(id)
	for i, ok := c.next(); ok; i, ok = c.next() {
		if l.auth[i].who.match(id) {
			return &l.auth[i]
		}
	}
	return nil
}

// dummyHash is the bcrypt hash (bcrypt.DefaultCost) of a password nobody
// uses. A client refused without any hash being compared (an unknown user
// that sent a password, say) has its password compared against it, so
// that the refusal takes as long as a wrong password for a known user and
// its timing does not tell which users exist.
const dummyHash = "$2a$10$PhFUVPIHSEWQnGSpPRbBKur4CzqWMU.Z7MN9dF9hAujr7Al34dw82"

// authenticate decides a CONNECT that carries no authentication method.
func (l *Ledger) authenticate(id identity, password []byte, hasPassword bool) verdict {
	r := l.authRuleFor(id)
	switch {
	case r == nil || !r.allow:
		l.equalizeTiming(password, hasPassword)
		return notAuthorized // default deny
	case r.password == "" && r.scram == nil:
		return allowed // the rule names no credential
	case r.password == "" || !hasPassword:
		l.equalizeTiming(password, hasPassword)
		return badCredentials // SCRAM-only user, or no password sent
	case r.plain:
		if subtle.ConstantTimeCompare([]byte(r.password), password) == 1 {
			return allowed
		}
		return badCredentials
	case l.compareHash([]byte(r.password), password) == nil:
		return allowed
	}
	return badCredentials
}

// compareHash checks password against a bcrypt hash.
func (l *Ledger) compareHash(hash, password []byte) error {
	if l.compare != nil {
		return l.compare(hash, password)
	}
	return bcrypt.CompareHashAndPassword(hash, password)
}

// equalizeTiming spends the time of a bcrypt comparison on a refusal that
// needed none, when the client sent a password.
func (l *Ledger) equalizeTiming(password []byte, hasPassword bool) {
	if hasPassword {
		_ = l.compareHash([]byte(dummyHash), password)
	}
}

// scramCredentials finds the SCRAM credentials of the first matching rule;
// nil with the verdict to give when there are none.
func (l *Ledger) scramCredentials(id identity) (*SCRAMCredentials, verdict) {
	r := l.authRuleFor(id)
	switch {
	case r == nil || !r.allow:
		return nil, notAuthorized
	case r.scram == nil:
		return nil, badCredentials
	}
	return r.scram, allowed
}
