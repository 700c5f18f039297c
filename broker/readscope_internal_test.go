// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ownPrefix lets a client read the topics under its user name.
type ownPrefix struct{}

func (ownPrefix) ID() string { return "own-prefix" }
func (ownPrefix) OnACLCheck(cl *ClientInfo, topic string, a Access) bool {
	return a == AccessRead && strings.HasPrefix(topic, cl.Username+"/")
}

// While a client about to resume a session has been checked but is not
// attached yet, a message routed through a subscription readable in part
// reaches the session only if both its current reader and that client may
// read it; targets without the check are not asked about.
func TestDropUnreadableAsksTheResumerToo(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.AddHook(ownPrefix{}))
	sess := &session{id: "dr", srv: s, checkedFor: &ClientInfo{Username: "alice"}}
	kept := func(topic string, check bool) int {
		return len(s.dropUnreadable(topic, []target{{sess: sess, check: check}}))
	}
	require.Equal(t, 1, kept("alice/x", true))
	require.Equal(t, 0, kept("bob/x", true))

	sess.resumer = &ClientInfo{Username: "bob"}
	require.Equal(t, 0, kept("alice/x", true), "bob, resuming, may not read it")
	require.Equal(t, 0, kept("bob/x", true), "alice, the reader until bob is attached, may not read it")
	require.Equal(t, 1, kept("alice/x", false), "no check asked for")

	sess.resumer = nil
	require.Equal(t, 1, kept("alice/x", true))
}
