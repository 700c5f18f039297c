// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package matrix checks conformance/statements.tsv, the statement matrix,
// against the normative statements of the MQTT specifications and against
// the [MQTT-x.y.z-n] tags in the workspace's tests. The conformance test
// and the tools command conformance-matrix share it.
package matrix

import (
	"bufio"
	_ "embed"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Specs, as written in the spec column of the matrix.
const (
	V5   = "v5"
	V311 = "v3.1.1"
)

// Statuses of a matrix row.
const (
	Covered = "covered"
	NA      = "n/a"
	NotYet  = "not-yet"
)

// Statement is one numbered normative statement of a specification.
type Statement struct {
	Spec, ID, Target string
}

// Row is one line of the matrix.
type Row struct {
	Spec, ID, Target, Status string
	// CoveredBy names the test functions (status covered), or gives the
	// reason (n/a, not-yet).
	CoveredBy string
	Line      int
}

// Tests names the functions that prove a covered row.
func (r Row) Tests() []string {
	if r.Status != Covered {
		return nil
	}
	var out []string
	for _, s := range strings.Split(r.CoveredBy, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LoadStatements reads a normative-*.tsv file (id, section, target, text).
func LoadStatements(path, spec string) ([]Statement, error) {
	recs, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for i, f := range recs {
		if i == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want 4 columns, got %d", path, i+1, len(f))
		}
		out = append(out, Statement{Spec: spec, ID: f[0], Target: f[2]})
	}
	return out, nil
}

// LoadMatrix reads the matrix (spec, id, target, status, covered-by).
func LoadMatrix(path string) ([]Row, error) {
	recs, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	var out []Row
	for i, f := range recs {
		if i == 0 {
			continue
		}
		if len(f) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 columns, got %d", path, i+1, len(f))
		}
		out = append(out, Row{Spec: f[0], ID: f[1], Target: f[2], Status: f[3], CoveredBy: f[4], Line: i + 1})
	}
	return out, nil
}

func readTSV(path string) ([][]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out [][]string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		out = append(out, strings.Split(line, "\t"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Counts are the statuses of one group of statements.
type Counts struct {
	Total, Covered, NA, NotYet int
}

// Summary counts statuses per spec and target.
type Summary map[string]map[string]*Counts

// Lines renders the summary, one line per spec and target:
// "v5 server statements: 107, covered N, n/a M, not yet K".
func (s Summary) Lines() []string {
	var out []string
	for _, spec := range []string{V5, V311} {
		for _, target := range []string{"server", "both", "client"} {
			c := s[spec][target]
			if c == nil {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s statements: %d, covered %d, n/a %d, not yet %d",
				spec, target, c.Total, c.Covered, c.NA, c.NotYet))
		}
	}
	return out
}

// Check compares the matrix with the statements and the test tags. It
// returns the summary and every disagreement found:
//   - a statement without a row, a row for no statement, a duplicate row,
//     a target that differs from the specification's, an unknown status;
//   - a covered row whose test does not exist or does not cite the id;
//   - an n/a or not-yet row without a reason;
//   - a test tag naming an id that is not in the matrix or is not-yet.
func Check(stmts []Statement, rows []Row, idx *Index) (Summary, []error) {
	var errs []error
	key := func(spec, id string) string { return spec + " " + id }
	want := map[string]Statement{}
	inSpec := map[string]map[string]bool{V5: {}, V311: {}}
	for _, s := range stmts {
		want[key(s.Spec, s.ID)] = s
		inSpec[s.Spec][s.ID] = true
	}
	got := map[string]Row{}
	sum := Summary{}
	for _, r := range rows {
		k := key(r.Spec, r.ID)
		if _, dup := got[k]; dup {
			errs = append(errs, fmt.Errorf("line %d: duplicate row for %s", r.Line, k))
			continue
		}
		got[k] = r
		st, ok := want[k]
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: %s is not a statement of the specification", r.Line, k))
			continue
		}
		if r.Target != st.Target {
			errs = append(errs, fmt.Errorf("line %d: %s: target %q, the specification list says %q", r.Line, k, r.Target, st.Target))
		}
		if sum[r.Spec] == nil {
			sum[r.Spec] = map[string]*Counts{}
		}
		c := sum[r.Spec][st.Target]
		if c == nil {
			c = &Counts{}
			sum[r.Spec][st.Target] = c
		}
		c.Total++
		switch r.Status {
		case Covered:
			c.Covered++
			tests := r.Tests()
			if len(tests) == 0 {
				errs = append(errs, fmt.Errorf("line %d: %s is covered by no test", r.Line, k))
			}
			for _, name := range tests {
				fns := idx.Funcs[name]
				if len(fns) == 0 {
					errs = append(errs, fmt.Errorf("line %d: %s: test %s does not exist", r.Line, k, name))
					continue
				}
				cited := false
				for _, fn := range fns {
					for _, tag := range fn.Tags {
						if tag.ID == r.ID && (tag.Spec == "" || tag.Spec == r.Spec) {
							cited = true
						}
					}
				}
				if !cited {
					errs = append(errs, fmt.Errorf("line %d: %s: test %s (%s) does not cite [%s]", r.Line, k, name, fns[0].File, qualified(r.Spec, r.ID)))
				}
			}
		case NA, NotYet:
			if r.Status == NA {
				c.NA++
			} else {
				c.NotYet++
			}
			if strings.TrimSpace(r.CoveredBy) == "" {
				errs = append(errs, fmt.Errorf("line %d: %s is %s without a reason", r.Line, k, r.Status))
			}
		default:
			errs = append(errs, fmt.Errorf("line %d: %s: unknown status %q", r.Line, k, r.Status))
		}
	}
	for _, s := range stmts {
		if _, ok := got[key(s.Spec, s.ID)]; !ok {
			errs = append(errs, fmt.Errorf("the matrix lacks %s %s", s.Spec, s.ID))
		}
	}
	for _, tag := range idx.Tags {
		spec := tag.Spec
		if spec == "" {
			// An unqualified tag means v5 where v5 has the id.
			spec = V5
			if !inSpec[V5][tag.ID] {
				spec = V311
			}
		}
		r, ok := got[key(spec, tag.ID)]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: %s cites [%s], which is not in the matrix", tag.Pos, tag.Func, qualified(tag.Spec, tag.ID)))
		case r.Status == NotYet:
			errs = append(errs, fmt.Errorf("%s: %s cites [%s], which the matrix marks not-yet (line %d)", tag.Pos, tag.Func, qualified(spec, tag.ID), r.Line))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return sum, errs
}

func qualified(spec, id string) string {
	if spec == "" || spec == V5 {
		return id
	}
	return spec + ":" + id
}

// normativeTSV lists every numbered normative statement of MQTT v5.0 and
// v3.1.1 (spec, id, section, target), derived from the OASIS texts; the
// statements' wording is in the specifications themselves.
//
//go:embed normative.tsv
var normativeTSV string

// Statements returns every normative statement of both specifications.
func Statements() []Statement {
	var out []Statement
	for i, line := range strings.Split(strings.TrimSpace(normativeTSV), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		out = append(out, Statement{Spec: f[0], ID: f[1], Target: f[3]})
	}
	return out
}
