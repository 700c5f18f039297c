// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package matrix

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// tagRE matches a statement tag: [MQTT-3.3.1-4] (v5, or v3.1.1 when only
// v3.1.1 has the id) or [v3.1.1:MQTT-3.3.1-4] / [v5:MQTT-3.3.1-4].
var tagRE = regexp.MustCompile(`\[(?:(v5|v3\.1\.1):)?MQTT-(\d+(?:\.\d+)*-\d+)\]`)

// Tag is one statement tag in a test file.
type Tag struct {
	// Spec is "v5", "v3.1.1" or "" (unqualified).
	Spec string
	// ID is the statement id, e.g. "MQTT-3.3.1-4".
	ID string
	// Func is the top-level function (or declaration) the tag belongs to.
	Func string
	// Pos is file:line.
	Pos string
}

// Func is one top-level declaration of a test file and the tags in it.
type Func struct {
	File string
	Tags []Tag
}

// Index holds every top-level function of the scanned test files by name
// and every tag.
type Index struct {
	Funcs map[string][]*Func
	Tags  []Tag
}

// ScanTests parses every *_test.go file under root (skipping testdata,
// vendor and hidden directories) and attributes each tag to the
// top-level declaration that contains it, or to the declaration whose doc
// comment it is in.
func ScanTests(root string) (*Index, error) {
	idx := &Index{Funcs: map[string][]*Func{}}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		return idx.scanFile(root, path)
	})
	if err != nil {
		return nil, err
	}
	return idx, nil
}

func (idx *Index) scanFile(root, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	rel, _ := filepath.Rel(root, path)
	type span struct {
		name       string
		start, end int
		fn         *Func
	}
	var spans []span
	for _, d := range f.Decls {
		var name string
		start := fset.Position(d.Pos()).Offset
		switch d := d.(type) {
		case *ast.FuncDecl:
			name = d.Name.Name
			if d.Recv != nil {
				continue // methods are helpers, not tests
			}
			if d.Doc != nil {
				start = fset.Position(d.Doc.Pos()).Offset
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				start = fset.Position(d.Doc.Pos()).Offset
			}
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					name = s.Names[0].Name
				case *ast.TypeSpec:
					name = s.Name.Name
				}
				if name != "" {
					break
				}
			}
		}
		if name == "" {
			continue
		}
		fn := &Func{File: rel}
		idx.Funcs[name] = append(idx.Funcs[name], fn)
		spans = append(spans, span{name, start, fset.Position(d.End()).Offset, fn})
	}
	for _, m := range tagRE.FindAllSubmatchIndex(src, -1) {
		off := m[0]
		line := 1 + strings.Count(string(src[:off]), "\n")
		tag := Tag{ID: "MQTT-" + string(src[m[4]:m[5]]), Pos: fmt.Sprintf("%s:%d", rel, line)}
		if m[2] >= 0 {
			tag.Spec = string(src[m[2]:m[3]])
		}
		if tag.ID == "MQTT-4.2.0-1" {
			tag.ID = "MQTT-4.2-1" // Appendix B's spelling of the v5 statement
		}
		for _, s := range spans {
			if off >= s.start && off < s.end {
				tag.Func = s.name
				s.fn.Tags = append(s.fn.Tags, tag)
				break
			}
		}
		if tag.Func == "" {
			tag.Func = "(file " + rel + ")"
		}
		idx.Tags = append(idx.Tags, tag)
	}
	return nil
}
