// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/conformance/matrix"
)

// TestStatementMatrix fails when statements.tsv and the tests of the
// workspace disagree (see package matrix for the rules).
func TestStatementMatrix(t *testing.T) {
	idx, err := matrix.ScanTests("..")
	require.NoError(t, err)
	rows, err := matrix.LoadMatrix("statements.tsv")
	require.NoError(t, err)
	sum, errs := matrix.Check(matrix.Statements(), rows, idx)
	for _, l := range sum.Lines() {
		t.Log(l)
	}
	for _, e := range errs {
		t.Error(e)
	}
}
