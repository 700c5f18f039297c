// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// A refusal spends one bcrypt comparison whenever the client sent a
// password, whether or not a rule with a hash matched: its timing does not
// tell an unknown user from a wrong password.
func TestRefusalsCompareOneHash(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	require.NoError(t, err)
	l, err := Parse([]byte("auth:\n  - username: alice\n    password: '" + string(hash) + "'\n    allow: true\n  - username: mallory\n    allow: false\n"))
	require.NoError(t, err)
	tests := []struct {
		name        string
		username    string
		password    []byte
		want        verdict
		comparisons int
	}{
		{"known user, wrong password", "alice", []byte("wrong"), badCredentials, 1},
		{"known user, right password", "alice", []byte("right"), allowed, 1},
		{"unknown user with a password", "bob", []byte("wrong"), notAuthorized, 1},
		{"refused user with a password", "mallory", []byte("x"), notAuthorized, 1},
		{"unknown user without a password", "bob", nil, notAuthorized, 0},
		{"known user without a password", "alice", nil, badCredentials, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			l.compare = func(h, pw []byte) error {
				n++
				return bcrypt.CompareHashAndPassword(h, pw)
			}
			require.Equal(t, tt.want, l.authenticate(identity{clientID: "c", username: tt.username, remote: "127.0.0.1:1"}, tt.password, tt.password != nil))
			require.Equal(t, tt.comparisons, n)
		})
	}
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte("wrenmq: no such user")), "dummyHash is a valid bcrypt hash")
}
