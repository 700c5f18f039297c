// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
)

const bcryptHash = "$2a$04$5Jq8hXQ/r2X5zGgU8yS3a.o6Q3zv6cS6b5P1W1Qm9yQH2cJb0cC1e" // not a real password's hash; well-formed

func TestParseErrorsCiteLine(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
		is   error
		want string // substring of the message
	}{
		{"unknown top-level field", "default: deny\nacls: []\n", 2, authledger.ErrUnknownField, `"acls"`},
		{"unknown auth field", "auth:\n  - username: a\n    allow: true\n    pasword: x\n", 4, authledger.ErrUnknownField, "auth rule 1"},
		{"unknown acl field", "acl:\n  - user: a\n    filters: {a: read}\n", 2, authledger.ErrUnknownField, "acl rule 1"},
		{"unknown access", "acl:\n  - username: a\n    filters:\n      a/b: reed\n", 4, authledger.ErrUnknownAccess, `"reed"`},
		{"unknown default", "default: all\n", 1, authledger.ErrUnknownAccess, "default"},
		{"hash not last", "acl:\n  - filters:\n      'a/#/b': read\n", 3, authledger.ErrBadFilter, "a/#/b"},
		{"mixed wildcard", "acl:\n  - filters:\n      'a/b+': read\n", 3, authledger.ErrBadFilter, "a/b+"},
		{"share prefix in rule", "acl:\n  - filters:\n      '$share/g/a': read\n", 3, authledger.ErrBadFilter, "$share"},
		{"unknown placeholder", "acl:\n  - filters:\n      'a/%x': read\n", 3, authledger.ErrBadFilter, "%x"},
		{"placeholder beside wildcard", "acl:\n  - filters:\n      'a/+%c': read\n", 3, authledger.ErrBadFilter, "+%c"},
		{"duplicate filter", "acl:\n  - filters:\n      a: read\n      a: write\n", 4, authledger.ErrDuplicate, "line 3"},
		{"duplicate acl rule", "acl:\n  - username: u\n    filters: {a: read}\n  - username: u\n    filters: {a: read}\n", 4, authledger.ErrDuplicate, "line 2"},
		{"duplicate auth rule", "auth:\n  - username: u\n    allow: true\n  - username: u\n    allow: false\n", 4, authledger.ErrDuplicate, "line 2"},
		{"missing allow", "auth:\n  - username: u\n", 2, authledger.ErrBadValue, "allow"},
		{"allow not bool", "auth:\n  - username: u\n    allow: yes\n", 3, authledger.ErrBadValue, "true or false"},
		{"plaintext without flag", "auth:\n  - username: u\n    password: secret\n    allow: true\n", 3, authledger.ErrPlaintext, "bcrypt"},
		{"bad cidr", "auth:\n  - remote: 10.0.0.0/33\n    allow: true\n", 2, authledger.ErrBadValue, "10.0.0.0/33"},
		{"bad port", "auth:\n  - remote: '127.0.0.1:http'\n    allow: true\n", 2, authledger.ErrBadValue, "port"},
		{"empty filters", "acl:\n  - username: u\n    filters: {}\n", 3, authledger.ErrBadValue, "empty"},
		{"missing filters", "acl:\n  - username: u\n", 2, authledger.ErrBadValue, "filters"},
		{"scram iterations", "auth:\n  - username: u\n    allow: true\n    scram:\n      salt: c2FsdA==\n      iterations: 10\n      stored_key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n      server_key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 6, authledger.ErrBadValue, "4096"},
		{"scram bad base64", "auth:\n  - username: u\n    allow: true\n    scram:\n      salt: '***'\n", 5, authledger.ErrBadValue, "base64"},
		{"deny with password", "auth:\n  - username: u\n    password: '" + bcryptHash + "'\n    allow: false\n", 2, authledger.ErrBadValue, "deny"},
		{"acl not a list", "acl: {a: b}\n", 1, authledger.ErrBadValue, "list"},
		{"unknown partial_subscriptions", "partial_subscriptions: deny\n", 1, authledger.ErrBadValue, "filter or refuse"},
		// JSON goes through the same parser and keeps its line numbers.
		{"json unknown field", "{\n  \"default\": \"deny\",\n  \"acl\": [\n    {\"username\": \"u\", \"filterz\": {}}\n  ]\n}\n", 4, authledger.ErrUnknownField, `"filterz"`},
		{"json bad access", "{\n  \"acl\": [\n    {\"filters\": {\n      \"a/b\": \"rw\"\n    }}\n  ]\n}\n", 4, authledger.ErrUnknownAccess, `"rw"`},
		{"json tab indent", "{\n\t\"acl\": [\n\t\t{\"filters\": {\"#/a\": \"read\"}}\n\t]\n}\n", 3, authledger.ErrBadFilter, "#/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authledger.Parse([]byte(tt.doc))
			require.Error(t, err)
			var pe *authledger.ParseError
			require.True(t, errors.As(err, &pe), "want *ParseError, got %T: %v", err, err)
			assert.Equal(t, tt.line, pe.Line, "line in %q", err)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseSyntaxError(t *testing.T) {
	_, err := authledger.Parse([]byte("acl: [\n"))
	require.ErrorIs(t, err, authledger.ErrBadValue)
	assert.Contains(t, err.Error(), "line")
}

func TestLoadNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.yaml")
	require.NoError(t, os.WriteFile(path, []byte("default: read\nacl:\n  - filters: {'a//#/b': read}\n"), 0o600))
	_, err := authledger.Load(path)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), path+":3: acl rule 1:"), "got %q", err)

	require.NoError(t, os.WriteFile(path, []byte("default: read\n"), 0o600))
	l, err := authledger.Load(path)
	require.NoError(t, err)
	assert.Equal(t, authledger.Read, l.Default())

	_, err = authledger.Load(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseDefaults(t *testing.T) {
	for _, doc := range []string{"", "{}", "acl: []\nauth: []\n"} {
		l, err := authledger.Parse([]byte(doc))
		require.NoError(t, err, "doc %q", doc)
		assert.Equal(t, authledger.Deny, l.Default(), "doc %q", doc)
	}
	for name, want := range map[string]authledger.Access{
		"deny": authledger.Deny, "read": authledger.Read, "write": authledger.Write,
		"readwrite": authledger.ReadWrite, "read-write": authledger.ReadWrite,
	} {
		l, err := authledger.Parse([]byte("default: " + name))
		require.NoError(t, err)
		assert.Equal(t, want, l.Default())
		if name != "read-write" {
			assert.Equal(t, name, want.String())
		}
	}
}

func TestParseJSONLedger(t *testing.T) {
	doc := `{
  "default": "deny",
  "allow_plaintext": true,
  "auth": [{"username": "u", "password": "pw", "allow": true}],
  "acl": [{"username": "u", "filters": {"a/#": "readwrite", "#": "deny"}}]
}`
	h := mustHook(t, doc)
	u := "u"
	assert.Equal(t, byte(0), byte(h.OnConnectAuthenticate(client("c", "u", ""), connect("c", &u, []byte("pw")))))
	assert.True(t, h.OnACLCheck(client("c", "u", ""), "a/x", 2))
	assert.False(t, h.OnACLCheck(client("c", "u", ""), "b", 2))
}
