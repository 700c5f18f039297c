// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzProxyHeader: whatever a peer sends, reading a header never panics
// and never consumes a byte past the header it accepts (a version 1 line
// up to its CRLF, a version 2 header up to its stated length), so what
// follows reaches the broker intact.
func FuzzProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 1883\r\nMQTT"))
	f.Add([]byte("PROXY TCP6 2001:db8::1 2001:db8::2 4000 8883\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n\x10"))
	f.Add(append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x07\x5b"), 0x10))
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"))
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x31\x00\xd8"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		h, err := readProxyHeader(r)
		used := len(data) - r.Len()
		if err != nil {
			return
		}
		want := headerLen(data)
		if used != want {
			t.Fatalf("consumed %d bytes of %q, the header is %d", used, data, want)
		}
		if (h.src == nil) != (h.dst == nil) {
			t.Fatalf("one address without the other: %+v", h)
		}
	})
}

// headerLen is the length of the header data starts with, computed
// independently of the reader.
func headerLen(data []byte) int {
	if bytes.HasPrefix(data, v2Signature) && len(data) >= 16 {
		return 16 + int(binary.BigEndian.Uint16(data[14:16]))
	}
	return bytes.Index(data, []byte("\r\n")) + 2
}
