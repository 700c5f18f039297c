// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/codec"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := authledger.HashPassword("pw", 4)
	require.NoError(t, err)
	hook := mustHook(t, fmt.Sprintf("auth:\n  - username: u\n    password: '%s'\n    allow: true\n", h))
	u := "u"
	assert.Equal(t, codec.Success, hook.OnConnectAuthenticate(client("c", u, ""), connect("c", &u, []byte("pw"))))
	_, err = authledger.HashPassword(strings.Repeat("x", 73), 4)
	assert.Error(t, err, "bcrypt would truncate")
}
