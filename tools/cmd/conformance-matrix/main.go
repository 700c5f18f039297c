// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command conformance-matrix checks conformance/statements.tsv against the
// normative statements of MQTT v5.0 and v3.1.1 and against the
// [MQTT-x.y.z-n] tags of every *_test.go file in the workspace, prints a
// summary per specification and target, and exits 1 when they disagree.
//
//	go run ./tools/cmd/conformance-matrix [-root DIR] [-matrix FILE] [-tags]
//
// -tags lists every tag as "spec id function file:line" instead.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wrenmq/wrenmq/conformance/matrix"
)

func main() {
	root := flag.String("root", "", "workspace root (default: the directory holding go.work, found upwards)")
	file := flag.String("matrix", "", "matrix file (default: ROOT/conformance/statements.tsv)")
	tags := flag.Bool("tags", false, "list the tags found instead of checking")
	flag.Parse()
	if err := run(*root, *file, *tags); err != nil {
		fmt.Fprintln(os.Stderr, "conformance-matrix:", err)
		os.Exit(1)
	}
}

func run(root, file string, listTags bool) error {
	if root == "" {
		var err error
		if root, err = findRoot(); err != nil {
			return err
		}
	}
	if file == "" {
		file = filepath.Join(root, "conformance", "statements.tsv")
	}
	idx, err := matrix.ScanTests(root)
	if err != nil {
		return err
	}
	if listTags {
		for _, t := range idx.Tags {
			spec := t.Spec
			if spec == "" {
				spec = "-"
			}
			fmt.Printf("%s\t%s\t%s\t%s\n", spec, t.ID, t.Func, t.Pos)
		}
		return nil
	}
	rows, err := matrix.LoadMatrix(file)
	if err != nil {
		return err
	}
	sum, errs := matrix.Check(matrix.Statements(), rows, idx)
	for _, l := range sum.Lines() {
		fmt.Println(l)
	}
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d disagreements between %s and the tests", len(errs), file)
	}
	return nil
}

// findRoot walks up from the working directory to the one holding go.work.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the working directory; pass -root")
		}
		dir = parent
	}
}
