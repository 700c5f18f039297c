// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Raw is a packet written exactly as given, for tests that attack a peer
// with illegal packets. It encodes as the first byte Header, then the
// Remaining Length (len(Body) unless RemainingLength is non-negative), then
// Body. It is never produced by Decode.
type Raw struct {
	Header byte
	// RemainingLength overrides the encoded length when >= 0; use -1 for len(Body).
	RemainingLength int
	Body            []byte
}
