// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Auth is the AUTH packet (section 3.15) of the v5 enhanced authentication
// exchange.
type Auth struct {
	// ReasonCode is 0x00 success, 0x18 continue authentication or 0x19
	// re-authenticate.
	ReasonCode ReasonCode
	Properties Properties
}
