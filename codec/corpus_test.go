// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The fuzz module cannot import test files, so the golden catalogue is
// exported to it as files, one packet per file:
//
//	go test -run TestCorpus -update-corpus ./
var updateCorpus = flag.Bool("update-corpus", false, "write the golden catalogue to "+corpusDir)

const corpusDir = "../fuzz/testdata/golden"

// corpusFiles renders the catalogue: "<name>.hex" for legal packets and
// "malformed-<name>.hex" for refused ones. The first line is a comment with
// the versions, the expected outcome and the statements; the hex follows,
// 32 bytes a line.
func corpusFiles() map[string][]byte {
	files := map[string][]byte{}
	render := func(comment string, wire []byte) []byte {
		var b bytes.Buffer
		b.WriteString("# " + comment + "\n")
		for len(wire) > 0 {
			n := min(32, len(wire))
			b.WriteString(hex.EncodeToString(wire[:n]) + "\n")
			wire = wire[n:]
		}
		return b.Bytes()
	}
	for _, g := range goldenRows {
		var v []string
		for _, x := range g.versions {
			v = append(v, fmt.Sprintf("v%d", x))
		}
		files[g.name+".hex"] = render(fmt.Sprintf("%s ok %s", strings.Join(v, " "), strings.Join(g.refs, " ")), g.wire)
	}
	for _, m := range malformedRows {
		var v []string
		for _, x := range m.versions {
			v = append(v, fmt.Sprintf("v%d", x))
		}
		files["malformed-"+m.name+".hex"] = render(fmt.Sprintf("%s 0x%02X %s", strings.Join(v, " "), byte(m.code), strings.Join(m.refs, " ")), m.wire)
	}
	return files
}

// TestCorpus writes the corpus with -update-corpus and otherwise checks
// that the copy in the fuzz module is current (when that module is present).
func TestCorpus(t *testing.T) {
	want := corpusFiles()
	if *updateCorpus {
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(corpusDir, "*.hex"))
		for _, f := range old {
			if _, ok := want[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(corpusDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("%s not present: %v", corpusDir, err)
	}
	have, _ := filepath.Glob(filepath.Join(corpusDir, "*.hex"))
	var stale []string
	for _, f := range have {
		if _, ok := want[filepath.Base(f)]; !ok {
			stale = append(stale, filepath.Base(f)+" (no longer in the catalogue)")
		}
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil || !bytes.Equal(got, b) {
			stale = append(stale, name)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Fatalf("fuzz corpus out of date; run `go test -run TestCorpus -update-corpus ./` in codec:\n%s", strings.Join(stale, "\n"))
	}
}
