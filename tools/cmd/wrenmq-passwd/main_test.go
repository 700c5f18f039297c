// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wrenmq/wrenmq/authledger"
)

// The printed rule must parse as a ledger as it is.
func TestOutputIsALedger(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-cost", "4", "-user", "alice"}, strings.NewReader("pw\n"), &out); err != nil {
		t.Fatal(err)
	}
	if _, err := authledger.Parse(out.Bytes()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := run(nil, strings.NewReader("\n"), &out); err == nil {
		t.Fatal("empty password accepted")
	}
}
