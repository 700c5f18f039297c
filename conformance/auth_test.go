// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// scram is the client side of SCRAM-SHA-256 (RFC 5802, RFC 7677), written
// independently of authledger's server side.
type scram struct {
	user, password, nonce, firstBare string
	serverSig                        []byte
}

func newSCRAM(user, password string) *scram {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return &scram{user: user, password: password, nonce: base64.RawStdEncoding.EncodeToString(b)}
}

func (c *scram) first() []byte {
	c.firstBare = "n=" + c.user + ",r=" + c.nonce
	return []byte("n,," + c.firstBare)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func (c *scram) final(serverFirst []byte) ([]byte, error) {
	var nonce, salt string
	iter := 0
	for _, a := range strings.Split(string(serverFirst), ",") {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "r":
			nonce = v
		case "s":
			salt = v
		case "i":
			iter, _ = strconv.Atoi(v)
		}
	}
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return nil, errors.New("server nonce does not extend the client's")
	}
	s, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || iter < 4096 {
		return nil, errors.New("bad salt or iteration count")
	}
	salted, err := pbkdf2.Key(sha256.New, c.password, s, iter, 32)
	if err != nil {
		return nil, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	without := "c=" + base64.StdEncoding.EncodeToString([]byte("n,,")) + ",r=" + nonce
	authMsg := c.firstBare + "," + string(serverFirst) + "," + without
	sig := hmacSHA256(stored[:], authMsg)
	proof := make([]byte, len(clientKey))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	c.serverSig = hmacSHA256(hmacSHA256(salted, "Server Key"), authMsg)
	return []byte(without + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

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
		sc := newSCRAM(userSCRAM, pw)
		r.send(&codec.Connect{ProtocolVersion: codec.V5, ClientID: uid("scram"), CleanStart: true,
			Properties: codec.Properties{AuthMethod: &method, AuthData: sc.first()}})
		a, ok := r.read().(*codec.Auth)
		require.True(t, ok, "AUTH continue expected")
		assert.Equal(t, codec.ContinueAuthentication, a.ReasonCode)
		require.NotNil(t, a.Properties.AuthMethod)
		assert.Equal(t, method, *a.Properties.AuthMethod)
		final, err := sc.final(a.Properties.AuthData)
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
		assert.Equal(t, "v="+base64.StdEncoding.EncodeToString(sc.serverSig), string(ca.Properties.AuthData), "server proof")
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
