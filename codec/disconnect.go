// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Disconnect is the DISCONNECT packet (section 3.14). In v3 it has no
// variable header and only a client sends it.
type Disconnect struct {
	// ReasonCode is v5 only.
	ReasonCode ReasonCode
	Properties Properties
}
