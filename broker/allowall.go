// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import "github.com/wrenmq/wrenmq/codec"

// AllowAll is a hook that lets every client connect, subscribe and publish.
// It is meant for development and tests; a server without an
// authentication hook refuses everyone.
type AllowAll struct{}

// ID returns "allow-all".
func (AllowAll) ID() string { return "allow-all" }

// OnConnectAuthenticate allows every connection.
func (AllowAll) OnConnectAuthenticate(*ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}

// OnACLCheck allows every subscription and publish.
func (AllowAll) OnACLCheck(*ClientInfo, string, Access) bool { return true }
