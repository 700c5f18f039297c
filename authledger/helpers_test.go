// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// mustHook parses a YAML ledger and returns a hook enforcing it.
func mustHook(t testing.TB, doc string) *authledger.Hook {
	t.Helper()
	l, err := authledger.Parse([]byte(doc))
	require.NoError(t, err)
	return authledger.New(authledger.Options{Ledger: l})
}

func client(id, user, remote string) *broker.ClientInfo {
	if remote == "" {
		remote = "192.0.2.1:50000"
	}
	return &broker.ClientInfo{ID: id, Username: user, Remote: remote, ProtocolVersion: codec.V5}
}

func connect(id string, user *string, pass []byte) *codec.Connect {
	return &codec.Connect{ProtocolName: "MQTT", ProtocolVersion: codec.V5, ClientID: id, Username: user, Password: pass}
}
