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

// Type returns the packet type in the high nibble of Header.
func (p *Raw) Type() Type { return Type(p.Header >> 4) }

// Validate always returns nil: a Raw packet is written as given.
func (p *Raw) Validate(Version) error { return nil }

// AppendTo appends Header, the Remaining Length and Body to dst. The
// Remaining Length is len(Body) unless RemainingLength is non-negative;
// values above the protocol maximum are written in as many bytes as they
// need, which is itself illegal.
func (p *Raw) AppendTo(dst []byte, _ Version) []byte {
	rl := p.RemainingLength
	if rl < 0 {
		rl = len(p.Body)
	}
	dst = appendVarInt(append(dst, p.Header), rl)
	return append(dst, p.Body...)
}
