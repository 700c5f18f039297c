// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/codec"
)

// The ledger shown in README.md must load and mean what the README says.
func TestREADMELedger(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	require.True(t, ok)
	doc, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	h := mustHook(t, doc)

	alice := "alice"
	assert.Equal(t, codec.Success, h.OnConnectAuthenticate(client("c", alice, ""), connect("c", &alice, []byte("correct horse"))))
	assert.Equal(t, codec.BadUsernameOrPassword, h.OnConnectAuthenticate(client("c", alice, ""), connect("c", &alice, []byte("x"))))
	assert.Equal(t, codec.Success, h.OnConnectAuthenticate(client("sensor-1", "", "10.20.3.4:999"), connect("sensor-1", nil, nil)))
	assert.False(t, h.OnACLCheck(client("c", alice, ""), "alice/#", sub))
	assert.True(t, h.OnACLCheck(client("c", alice, ""), "alice/open/#", sub))
	assert.True(t, h.OnACLCheck(client("c", "bob", ""), "users/bob/#", sub))
	assert.False(t, h.OnACLCheck(client("c", "#", ""), "users/x/#", sub))
	assert.True(t, h.OnACLCheck(client("admin-1", "", ""), "$SYS/#", sub))
	assert.True(t, h.OnACLCheck(client("admin-1", "", ""), "#", sub))
}
