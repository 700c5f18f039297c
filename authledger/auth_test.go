// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"crypto/x509/pkix"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
	"golang.org/x/crypto/bcrypt"
)

func hashOf(t testing.TB, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func TestConnectAuthentication(t *testing.T) {
	hash := hashOf(t, "s3cret")
	doc := fmt.Sprintf(`
auth:
  - username: banned
    allow: false
  - username: alice
    password: '%s'
    allow: true
  - client: 'sensor-*'
    remote: 10.0.0.0/8
    allow: true
  - client: 'sensor-*'
    allow: false
  - remote: '127.0.0.*:*'
    username: local
    allow: true
  - remote: '[::1]:1883'
    allow: true
  - username: 'svc-*'
    client: 'svc-*'
    allow: true
`, hash)
	h := mustHook(t, doc)
	str := func(s string) *string { return &s }
	tests := []struct {
		name   string
		id     string
		user   *string
		pass   []byte
		remote string
		want   codec.ReasonCode
	}{
		{"right bcrypt password", "c1", str("alice"), []byte("s3cret"), "", codec.Success},
		{"wrong password", "c1", str("alice"), []byte("nope"), "", codec.BadUsernameOrPassword},
		{"missing password", "c1", str("alice"), nil, "", codec.BadUsernameOrPassword},
		{"deny rule", "c1", str("banned"), nil, "", codec.NotAuthorized},
		{"no rule matches: default deny", "c1", str("mallory"), []byte("x"), "", codec.NotAuthorized},
		{"anonymous, no rule", "c1", nil, nil, "", codec.NotAuthorized},
		{"client glob and cidr", "sensor-7", nil, nil, "10.1.2.3:4000", codec.Success},
		{"client glob outside cidr: next rule denies", "sensor-7", nil, nil, "192.0.2.9:4000", codec.NotAuthorized},
		{"host glob with any port", "x", str("local"), nil, "127.0.0.9:1", codec.Success},
		{"host glob, wrong user", "x", str("other"), nil, "127.0.0.9:1", codec.NotAuthorized},
		{"ipv6 host and port", "x", nil, nil, "[::1]:1883", codec.Success},
		{"ipv6 host, other port", "x", nil, nil, "[::1]:1884", codec.NotAuthorized},
		{"all fields must match", "svc-1", str("svc-a"), nil, "", codec.Success},
		{"one field differs", "web-1", str("svc-a"), nil, "", codec.NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := ""
			if tt.user != nil {
				u = *tt.user
			}
			got := h.OnConnectAuthenticate(client(tt.id, u, tt.remote), connect(tt.id, tt.user, tt.pass))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestConnectFirstMatchWins(t *testing.T) {
	// The first rule decides even when a later rule would accept: a wrong
	// password is not retried against the next rule.
	doc := fmt.Sprintf(`
auth:
  - username: alice
    password: '%s'
    allow: true
  - username: alice
    remote: 127.0.0.1
    allow: true
`, hashOf(t, "pw"))
	h := mustHook(t, doc)
	u := "alice"
	assert.Equal(t, codec.BadUsernameOrPassword, h.OnConnectAuthenticate(client("c", u, "127.0.0.1:1"), connect("c", &u, []byte("bad"))))
}

func TestConnectPlaintext(t *testing.T) {
	h := mustHook(t, "allow_plaintext: true\nauth:\n  - username: u\n    password: pw\n    allow: true\n")
	u := "u"
	assert.Equal(t, codec.Success, h.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("pw"))))
	assert.Equal(t, codec.BadUsernameOrPassword, h.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("pW"))))
	// The flag order in the document does not matter.
	_, err := authledger.Parse([]byte("auth:\n  - username: u\n    password: pw\n    allow: true\nallow_plaintext: true\n"))
	require.NoError(t, err)
}

func TestConnectObscureReasons(t *testing.T) {
	l, err := authledger.Parse([]byte(fmt.Sprintf("auth:\n  - username: u\n    password: '%s'\n    allow: true\n", hashOf(t, "pw"))))
	require.NoError(t, err)
	h := authledger.New(authledger.Options{Ledger: l, ObscureReasons: true})
	u := "u"
	assert.Equal(t, codec.NotAuthorized, h.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("bad"))))
	assert.Equal(t, codec.Success, h.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("pw"))))
}

func TestConnectSCRAMOnlyUserNeedsEnhancedAuth(t *testing.T) {
	cred, err := authledger.DeriveSCRAM("pw", nil, 0)
	require.NoError(t, err)
	h := mustHook(t, "auth:\n  - username: u\n    allow: true\n"+cred.YAML(4))
	u := "u"
	assert.Equal(t, codec.BadUsernameOrPassword, h.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("pw"))))
}

func TestNilLedgerDeniesAll(t *testing.T) {
	h := authledger.New(authledger.Options{})
	assert.Equal(t, "authledger", h.ID())
	assert.Equal(t, codec.NotAuthorized, h.OnConnectAuthenticate(client("c", "", ""), connect("c", nil, nil)))
	assert.False(t, h.OnACLCheck(client("c", "", ""), "a", 1))
	assert.False(t, h.OnACLCheck(client("c", "", ""), "a", 2))
}

// cert_cn matches the Common Name of the verified TLS client certificate,
// in auth and ACL rules alike; a client without one never matches it.
func TestCertCommonName(t *testing.T) {
	h := mustHook(t, `
auth:
  - cert_cn: 'sensor-*'
    allow: true
  - cert_cn: 'admin'
    username: ops
    allow: true
acl:
  - cert_cn: 'sensor-*'
    filters:
      'sensors/%c/#': readwrite
`)
	withCert := func(id, user, cn string) *broker.ClientInfo {
		cl := client(id, user, "192.0.2.1:5000")
		cl.CertSubject = &pkix.Name{CommonName: cn, Organization: []string{"Acme"}}
		return cl
	}
	ops := "ops"
	tests := []struct {
		name string
		cl   *broker.ClientInfo
		user *string
		want codec.ReasonCode
	}{
		{"certificate CN matches", withCert("s1", "", "sensor-1"), nil, codec.Success},
		{"other CN", withCert("s1", "", "printer-1"), nil, codec.NotAuthorized},
		{"no certificate", client("s1", "", "192.0.2.1:5000"), nil, codec.NotAuthorized},
		{"CN and user name", withCert("a", "ops", "admin"), &ops, codec.Success},
		{"CN without the user name", withCert("a", "", "admin"), nil, codec.NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, h.OnConnectAuthenticate(tt.cl, connect(tt.cl.ID, tt.user, nil)))
		})
	}
	sensor := withCert("s1", "", "sensor-1")
	assert.True(t, h.OnACLCheck(sensor, "sensors/s1/temp", broker.AccessWrite))
	assert.False(t, h.OnACLCheck(sensor, "sensors/s2/temp", broker.AccessWrite))
	assert.False(t, h.OnACLCheck(client("s1", "", "192.0.2.1:5000"), "sensors/s1/temp", broker.AccessWrite), "no certificate, no grant")
}
