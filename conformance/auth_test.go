// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger/scramclient"
	"github.com/wrenmq/wrenmq/codec"
)

// scenarioEnhancedAuth drives a SCRAM-SHA-256 exchange (the authledger
// combination): AUTH 0x18 carries the method, the client's AUTH 0x18
// continues, the CONNACK carries the method and the server's proof; a
// wrong password is refused.
// [MQTT-4.12.0-2] [MQTT-4.12.0-3] [MQTT-4.12.0-4] [MQTT-4.12.0-5] [MQTT-3.15.2-1]
func scenarioEnhancedAuth(t *testing.T, tg *Target) {
	if !tg.auth.ledger {
		t.Skip("SCRAM-SHA-256 is offered by the authledger combination")
	}
	b := tg.Start(t)
	method := "SCRAM-SHA-256"
	for _, pw := range []string{userSCRAMPass, "wrong"} {
		r := dialRaw(t, b.Addr, codec.V5)
		sc := scramclient.New(userSCRAM, pw)
		r.send(&codec.Connect{ProtocolVersion: codec.V5, ClientID: uid("scram"), CleanStart: true,
			Properties: codec.Properties{AuthMethod: &method, AuthData: sc.First()}})
		a, ok := r.read().(*codec.Auth)
		require.True(t, ok, "AUTH continue expected")
		assert.Equal(t, codec.ContinueAuthentication, a.ReasonCode)
		require.NotNil(t, a.Properties.AuthMethod)
		assert.Equal(t, method, *a.Properties.AuthMethod)
		final, err := sc.Final(a.Properties.AuthData)
		require.NoError(t, err)
		r.send(&codec.Auth{ReasonCode: codec.ContinueAuthentication, Properties: codec.Properties{AuthMethod: &method, AuthData: final}})
		ca, ok := r.read().(*codec.Connack)
		require.True(t, ok)
		if pw != userSCRAMPass {
			assert.Contains(t, []codec.ReasonCode{codec.BadUsernameOrPassword, codec.NotAuthorized}, ca.ReasonCode)
			r.expectClosed()
			continue
		}
		require.Equal(t, codec.Success, ca.ReasonCode)
		require.NotNil(t, ca.Properties.AuthMethod)
		assert.Equal(t, method, *ca.Properties.AuthMethod)
		assert.NoError(t, sc.Verify(ca.Properties.AuthData), "server proof")
	}
}

// scenarioBadAuthMethod: an authentication method the server does not
// support is refused with 0x8C (or 0x87).
// [MQTT-4.12.0-1]
func scenarioBadAuthMethod(t *testing.T, tg *Target) {
	b := tg.Start(t)
	r := dialRaw(t, b.Addr, codec.V5)
	m := "X-UNKNOWN"
	ca := r.connect(&codec.Connect{ClientID: uid("bam"), CleanStart: true, Properties: codec.Properties{AuthMethod: &m}})
	assert.Contains(t, []codec.ReasonCode{codec.BadAuthenticationMethod, codec.NotAuthorized}, ca.ReasonCode)
	assert.False(t, ca.SessionPresent)
	r.expectClosed()
}

// scenarioConnectRefused (authledger): refused clients get CONNACK 0x87 /
// 0x86 (v5) or 5 / 4 (v3.1.1) with Session Present 0, and nothing they
// sent after CONNECT is processed.
// [MQTT-3.1.4-2] [MQTT-3.1.4-6] [MQTT-3.2.2-6] [MQTT-3.2.2-7] [MQTT-4.13.2-1]
// [v3.1.1:MQTT-3.1.4-5] [v3.1.1:MQTT-3.2.2-4] [v3.1.1:MQTT-3.2.2-5]
func scenarioConnectRefused(t *testing.T, tg *Target) {
	if !tg.auth.ledger {
		t.Skip("needs the authledger combination")
	}
	b := tg.Start(t)
	p := uid("cr")
	watcher := connectV5(t, b.Addr, uid("crw"))
	watcher.sub(1, p+"/#")
	rows := []struct {
		v        codec.Version
		user, pw string
		want     codec.ReasonCode
	}{
		{codec.V5, userBanned, "", codec.NotAuthorized},
		{codec.V5, userPlain, "wrong", codec.BadUsernameOrPassword},
		{codec.V311, userBanned, "", 5},
		{codec.V311, userPlain, "wrong", 4},
	}
	for _, row := range rows {
		r := dialRaw(t, b.Addr, row.v)
		u := row.user
		var pw []byte
		if row.pw != "" {
			pw = []byte(row.pw)
		}
		b1, _ := codec.Encoder{Version: row.v}.Append(nil, &codec.Connect{ProtocolVersion: row.v, ClientID: uid("cr"), CleanStart: true, Username: &u, Password: pw})
		// A PUBLISH pipelined behind the CONNECT must not be processed.
		b2, _ := codec.Encoder{Version: row.v}.Append(nil, &codec.Publish{Topic: p + "/sneaky", Retain: true, Payload: []byte("x")})
		_, _ = r.nc.Write(append(b1, b2...))
		ca, ok := r.read().(*codec.Connack)
		require.True(t, ok)
		assert.Equal(t, row.want, ca.ReasonCode, "%s on v%d", row.user, row.v)
		assert.False(t, ca.SessionPresent)
		r.expectClosed()
	}
	u := userPlain
	r := dialRaw(t, b.Addr, codec.V5)
	ca := r.connect(&codec.Connect{ClientID: uid("crok"), CleanStart: true, Username: &u, Password: []byte(userPlainPass)})
	assert.Equal(t, codec.Success, ca.ReasonCode)
	barrier(t, watcher, watcher, p+"/barrier")
}
