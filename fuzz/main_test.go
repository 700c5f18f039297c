// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests (FuzzServer's
// broker and its connections must all be gone).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
