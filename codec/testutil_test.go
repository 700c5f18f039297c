// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes hex written with optional spaces, for wire-byte fixtures.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// decodeFrame parses a whole frame and decodes it.
func decodeFrame(t testing.TB, frame []byte, v Version) (Packet, error) {
	t.Helper()
	h, n, err := ParseHeader(frame)
	if err != nil {
		return nil, err
	}
	if len(frame)-n != h.RemainingLength {
		t.Fatalf("frame %x: remaining length %d, body %d", frame, h.RemainingLength, len(frame)-n)
	}
	return Decode(h, frame[n:], v)
}

// wantCode fails unless err is an *Error with the given code.
func wantCode(t testing.TB, err error, code ReasonCode) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v: want *Error with code 0x%02X", err, byte(code))
	}
	if e.Code != code {
		t.Fatalf("error %v: code 0x%02X, want 0x%02X", err, byte(e.Code), byte(code))
	}
}
