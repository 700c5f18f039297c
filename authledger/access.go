// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import "fmt"

// Access is what an ACL filter entry (or the ledger's default) allows on the
// topics it matches.
type Access byte

// The access levels a ledger can name.
const (
	// Deny allows neither subscribing nor publishing.
	Deny Access = 0
	// Read allows subscribing (receiving).
	Read Access = 1
	// Write allows publishing.
	Write Access = 2
	// ReadWrite allows both.
	ReadWrite Access = Read | Write
)

// String returns the name a ledger uses for a.
func (a Access) String() string {
	switch a {
	case Deny:
		return "deny"
	case Read:
		return "read"
	case Write:
		return "write"
	case ReadWrite:
		return "readwrite"
	}
	return fmt.Sprintf("Access(%d)", byte(a))
}

// allows reports whether a includes all of want.
func (a Access) allows(want Access) bool { return want != 0 && a&want == want }

// parseAccess maps a ledger access name to its Access.
func parseAccess(s string) (Access, error) {
	switch s {
	case "deny":
		return Deny, nil
	case "read":
		return Read, nil
	case "write":
		return Write, nil
	case "readwrite", "read-write":
		return ReadWrite, nil
	}
	return 0, fmt.Errorf("%w %q (want deny, read, write or readwrite)", ErrUnknownAccess, s)
}
