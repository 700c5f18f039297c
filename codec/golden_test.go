// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/wrenmq/wrenmq/codec"
)

// golden is one row of the golden catalogue: wire bytes written by hand from
// the specification, the packet they decode to, the protocol levels at which
// the bytes mean that packet, and the normative statements the row proves.
type golden struct {
	name     string
	versions []codec.Version
	wire     []byte
	pkt      codec.Packet
	refs     []string
	// decodeOnly marks a legal but non-canonical encoding (for example a v5
	// PUBACK that spells out Reason Code 0 and Property Length 0): it must
	// decode to pkt, but the encoder chooses the shorter form.
	decodeOnly bool
}

var (
	v3   = []codec.Version{codec.V31}
	v4   = []codec.Version{codec.V311}
	v5   = []codec.Version{codec.V5}
	v34  = []codec.Version{codec.V31, codec.V311}
	v345 = []codec.Version{codec.V31, codec.V311, codec.V5}
)

// hx decodes hex written for people: spaces and line breaks are ignored so
// that each field can be written as its own string with a comment.
func hx(parts ...string) []byte {
	s := strings.Join(strings.Fields(strings.Join(parts, " ")), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

// str returns the hex of a UTF-8 string field: two-byte length, then bytes.
func str(s string) string {
	return fmt.Sprintf("%04x %x", len(s), s)
}

func refs(ids ...string) []string { return ids }

// dump renders a packet for failure messages; JSON follows pointers, which
// %v does not.
func dump(p codec.Packet) string {
	if p == nil {
		return "<nil>"
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprintf("%#v", p)
	}
	return fmt.Sprintf("%T%s", p, b)
}

func TestGoldenDecode(t *testing.T) {
	for _, g := range goldenRows {
		for _, v := range g.versions {
			t.Run(fmt.Sprintf("%s/v%d", g.name, v), func(t *testing.T) {
				t.Logf("proves %s", strings.Join(g.refs, " "))
				h, n, err := codec.ParseHeader(g.wire)
				if err != nil {
					t.Fatalf("ParseHeader: %v", err)
				}
				if n+h.RemainingLength != len(g.wire) {
					t.Fatalf("ParseHeader: header %d + remaining length %d != %d bytes", n, h.RemainingLength, len(g.wire))
				}
				if h.Type != g.pkt.Type() {
					t.Fatalf("ParseHeader: type %v, want %v", h.Type, g.pkt.Type())
				}
				got, err := codec.Decode(h, g.wire[n:], v)
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if !reflect.DeepEqual(got, g.pkt) {
					t.Fatalf("Decode:\n got %s\nwant %s", dump(got), dump(g.pkt))
				}
				if err := got.Validate(v); err != nil {
					t.Fatalf("Validate of decoded packet: %v", err)
				}
			})
		}
	}
}

func TestGoldenEncode(t *testing.T) {
	for _, g := range goldenRows {
		if g.decodeOnly {
			continue
		}
		for _, v := range g.versions {
			t.Run(fmt.Sprintf("%s/v%d", g.name, v), func(t *testing.T) {
				prefix := []byte{0xAA}
				got, err := codec.Append(prefix, g.pkt, v)
				if err != nil {
					t.Fatalf("Append: %v", err)
				}
				if !bytes.Equal(got[:1], prefix) {
					t.Fatalf("Append overwrote dst")
				}
				if !bytes.Equal(got[1:], g.wire) {
					t.Fatalf("Append:\n got % x\nwant % x", got[1:], g.wire)
				}
				enc := codec.Encoder{Version: v}
				got, err = enc.Append(nil, g.pkt)
				if err != nil {
					t.Fatalf("Encoder.Append: %v", err)
				}
				if !bytes.Equal(got, g.wire) {
					t.Fatalf("Encoder.Append:\n got % x\nwant % x", got, g.wire)
				}
				if got := g.pkt.AppendTo(nil, v); !bytes.Equal(got, g.wire) {
					t.Fatalf("AppendTo:\n got % x\nwant % x", got, g.wire)
				}
			})
		}
	}
}

// TestGoldenReader feeds, per version, every golden packet of that version
// back to back through one Reader, one byte per Read call, so that frames
// straddle reads and the reader's buffer is reused between packets.
func TestGoldenReader(t *testing.T) {
	for _, v := range v345 {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			var stream []byte
			var want []golden
			for _, g := range goldenRows {
				for _, gv := range g.versions {
					if gv == v {
						stream = append(stream, g.wire...)
						want = append(want, g)
					}
				}
			}
			r := codec.NewReader(&oneByteReader{data: stream}, 1<<20)
			for _, g := range want {
				p, err := r.ReadPacket(v)
				if err != nil {
					t.Fatalf("%s: ReadPacket: %v", g.name, err)
				}
				if !reflect.DeepEqual(p, g.pkt) {
					t.Fatalf("%s: ReadPacket:\n got %s\nwant %s", g.name, dump(p), dump(g.pkt))
				}
			}
			if _, err := r.ReadPacket(v); err == nil {
				t.Fatalf("ReadPacket after the last packet: want an error (EOF)")
			}
		})
	}
}

// TestGoldenRowsWellFormed guards the catalogue itself: unique names, at
// least one version and one cited statement per row.
func TestGoldenRowsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	check := func(name string, versions []codec.Version, refs []string) {
		if seen[name] {
			t.Errorf("duplicate row name %q", name)
		}
		seen[name] = true
		if len(versions) == 0 {
			t.Errorf("%s: no versions", name)
		}
		if len(refs) == 0 {
			t.Errorf("%s: cites no statement", name)
		}
		for _, r := range refs {
			if !strings.HasPrefix(r, "[MQTT-") && !strings.HasPrefix(r, "§") {
				t.Errorf("%s: reference %q is neither [MQTT-x.y.z-n] nor §section", name, r)
			}
		}
	}
	for _, g := range goldenRows {
		check(g.name, g.versions, g.refs)
	}
	for _, m := range malformedRows {
		check("malformed-"+m.name, m.versions, m.refs)
	}
}

type oneByteReader struct {
	data []byte
}

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}
