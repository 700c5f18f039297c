// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Unsubscribe is the UNSUBSCRIBE packet (section 3.10). Its fixed header
// flags must be 0b0010.
type Unsubscribe struct {
	PacketID   uint16
	Properties Properties
	// Filters is never empty in a valid packet.
	Filters []string
}
