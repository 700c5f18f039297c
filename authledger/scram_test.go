// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/authledger/scramclient"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

func scramLedger(t *testing.T, extra string) *authledger.Hook {
	t.Helper()
	alice, err := authledger.DeriveSCRAM("correct horse", nil, 4096)
	require.NoError(t, err)
	odd, err := authledger.DeriveSCRAM("pw", []byte("fixed-salt"), 0)
	require.NoError(t, err)
	assert.Equal(t, authledger.MinSCRAMIterations, odd.Iterations)
	doc := "auth:\n  - username: alice\n    allow: true\n" + alice.YAML(4) +
		"  - username: 'a,b=c'\n    allow: true\n" + odd.YAML(4) +
		"  - username: nocreds\n    allow: true\n" +
		"  - username: banned\n    allow: false\n" + extra
	return mustHook(t, doc)
}

// exchange runs a SCRAM exchange through the hook the way the broker does.
func exchange(h *authledger.Hook, cl *broker.ClientInfo, user, password string, connUser *string) (broker.AuthResult, *scramclient.Client, *codec.Connect) {
	c := scramclient.New(user, password)
	m := authledger.SCRAMMethod
	pk := connect(cl.ID, connUser, nil)
	pk.Properties.AuthMethod = &m
	ex := &broker.AuthExchange{Method: m, Data: c.First(), Connect: pk}
	res := h.OnEnhancedAuth(cl, ex)
	if res.Code != codec.ContinueAuthentication {
		return res, c, pk
	}
	final, err := c.Final(res.Data)
	if err != nil {
		return broker.AuthResult{Code: codec.ProtocolError}, c, pk
	}
	ex.Data = final
	return h.OnEnhancedAuth(cl, ex), c, pk
}

func TestSCRAMExchange(t *testing.T) {
	h := scramLedger(t, "")
	require.True(t, h.SupportsAuthMethod("SCRAM-SHA-256"))
	require.False(t, h.SupportsAuthMethod("SCRAM-SHA-1"))
	alice := "alice"
	tests := []struct {
		name, user, password string
		connUser             *string
		want                 codec.ReasonCode
	}{
		{"right password", "alice", "correct horse", nil, codec.Success},
		{"right password, same CONNECT user", "alice", "correct horse", &alice, codec.Success},
		{"escaped user name", "a,b=c", "pw", nil, codec.Success},
		{"wrong password", "alice", "battery staple", nil, codec.BadUsernameOrPassword},
		{"unknown user", "mallory", "x", nil, codec.NotAuthorized},
		{"user without scram credentials", "nocreds", "x", nil, codec.BadUsernameOrPassword},
		{"denied user", "banned", "x", nil, codec.NotAuthorized},
		{"CONNECT user differs", "alice", "correct horse", ptr("bob"), codec.NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, c, pk := exchange(h, client("cid", "", ""), tt.user, tt.password, tt.connUser)
			require.Equal(t, tt.want, res.Code)
			if tt.want != codec.Success {
				return
			}
			assert.Equal(t, tt.user, res.Username)
			assert.NoError(t, c.Verify(res.Data))
			// The broker does not call OnConnectAuthenticate after a
			// successful exchange, but if an embedder's does, it agrees.
			assert.Equal(t, codec.Success, h.OnConnectAuthenticate(client("cid", tt.user, ""), pk))
			assert.Equal(t, codec.NotAuthorized, h.OnConnectAuthenticate(client("cid", tt.user, ""), pk), "only once")
		})
	}
}

func ptr(s string) *string { return &s }

func TestSCRAMUnknownUserLooksKnown(t *testing.T) {
	h := scramLedger(t, "")
	m := authledger.SCRAMMethod
	first := func(user string) string {
		c := scramclient.New(user, "x")
		res := h.OnEnhancedAuth(client("c", "", ""), &broker.AuthExchange{Method: m, Data: c.First()})
		require.Equal(t, codec.ContinueAuthentication, res.Code)
		_, rest, _ := strings.Cut(string(res.Data), ",") // drop the nonce
		return rest
	}
	assert.Equal(t, first("mallory"), first("mallory"), "stable fake salt")
	assert.NotEqual(t, first("mallory"), first("trudy"))
	assert.Contains(t, first("mallory"), ",i=4096")
}

func TestSCRAMMalformed(t *testing.T) {
	h := scramLedger(t, "")
	m := authledger.SCRAMMethod
	for _, msg := range []string{"", "n,,", "p=tls-unique,,n=alice,r=abc", "n,,r=abc,n=alice", "n,,n=alice,r=", "n,,n=al=ice,r=abc", "n,a=bob,n=alice,r=abc", "n,,m=ext,n=alice,r=abc", "x,,n=alice,r=abc"} {
		res := h.OnEnhancedAuth(client("c", "", ""), &broker.AuthExchange{Method: m, Data: []byte(msg)})
		assert.Equal(t, codec.NotAuthorized, res.Code, "client-first %q", msg)
	}
	// A wrong final message fails the exchange, and the state is not reused.
	c := scramclient.New("alice", "correct horse")
	ex := &broker.AuthExchange{Method: m, Data: c.First()}
	res := h.OnEnhancedAuth(client("c", "", ""), ex)
	require.Equal(t, codec.ContinueAuthentication, res.Code)
	final, err := c.Final(res.Data)
	require.NoError(t, err)
	for _, bad := range []string{
		strings.Replace(string(final), "r=", "r=x", 1), // nonce changed
		strings.Replace(string(final), "c=biws", "c=eSws", 1),
		string(final[:len(final)-4]) + "AAA=", // proof changed
		"garbage",
	} {
		ex2 := *ex
		ex2.Data = []byte(bad)
		got := h.OnEnhancedAuth(client("c", "", ""), &ex2)
		assert.True(t, got.Code.IsError(), "final %q gave %v", bad, got.Code)
	}
	res = h.OnEnhancedAuth(client("c", "", ""), &broker.AuthExchange{Method: "OTHER"})
	assert.Equal(t, codec.BadAuthenticationMethod, res.Code)
}

func TestSCRAMReauthenticate(t *testing.T) {
	h := scramLedger(t, "")
	m := authledger.SCRAMMethod
	run := func(cl *broker.ClientInfo, user, pw string) codec.ReasonCode {
		c := scramclient.New(user, pw)
		ex := &broker.AuthExchange{Method: m, Data: c.First(), Reauthenticate: true}
		res := h.OnEnhancedAuth(cl, ex)
		if res.Code != codec.ContinueAuthentication {
			return res.Code
		}
		final, _ := c.Final(res.Data)
		ex.Data = final
		return h.OnEnhancedAuth(cl, ex).Code
	}
	assert.Equal(t, codec.Success, run(client("c", "alice", ""), "alice", "correct horse"))
	assert.Equal(t, codec.NotAuthorized, run(client("c", "alice", ""), "a,b=c", "pw"), "may not switch user")
}

func TestSCRAMObscured(t *testing.T) {
	cred, err := authledger.DeriveSCRAM("pw", nil, 0)
	require.NoError(t, err)
	l, err := authledger.Parse([]byte("auth:\n  - username: u\n    allow: true\n" + cred.YAML(4)))
	require.NoError(t, err)
	h := authledger.New(authledger.Options{Ledger: l, ObscureReasons: true})
	res, _, _ := exchange(h, client("c", "", ""), "u", "wrong", nil)
	assert.Equal(t, codec.NotAuthorized, res.Code)
}
