// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wrenmq/wrenmq/codec"
)

// seed is one packet of the golden catalogue.
type seed struct {
	name     string
	versions []codec.Version
	wire     []byte
	ok       bool // a legal packet; otherwise a malformed one
}

// loadSeeds reads testdata/golden/*.hex: a comment line
// "# v4 v5 ok [MQTT-...]" (or a reason code instead of "ok"), then hex.
func loadSeeds(tb testing.TB) []seed {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.hex"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden corpus in testdata/golden (%v); run `go test -run TestCorpus -update-corpus ./` in codec", err)
	}
	var seeds []seed
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		s := seed{name: strings.TrimSuffix(filepath.Base(f), ".hex")}
		var hx strings.Builder
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if comment, ok := strings.CutPrefix(line, "#"); ok {
				for _, w := range strings.Fields(comment) {
					switch w {
					case "v3", "v4", "v5":
						s.versions = append(s.versions, codec.Version(w[1]-'0'))
					case "ok":
						s.ok = true
					}
				}
				continue
			}
			hx.WriteString(line)
		}
		if s.wire, err = hex.DecodeString(hx.String()); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		if len(s.versions) == 0 {
			tb.Fatalf("%s: no version in the comment line", f)
		}
		seeds = append(seeds, s)
	}
	return seeds
}

// TestSeedsDecode checks that the corpus as read here still agrees with
// the codec: legal packets decode, malformed ones do not.
func TestSeedsDecode(t *testing.T) {
	for _, s := range loadSeeds(t) {
		for _, v := range s.versions {
			_, err := decodeWhole(s.wire, v)
			if s.ok && err != nil {
				t.Errorf("%s v%d: %v", s.name, v, err)
			}
			if !s.ok && err == nil {
				t.Errorf("%s v%d: decoded, want an error", s.name, v)
			}
		}
	}
}

// decodeWhole decodes a buffer holding exactly one frame.
func decodeWhole(b []byte, v codec.Version) (codec.Packet, error) {
	h, n, err := codec.ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if n+h.RemainingLength != len(b) {
		return nil, codec.ErrIncomplete
	}
	p, err := codec.Decode(h, b[n:], v)
	if err != nil {
		return nil, err
	}
	return p, nil
}
