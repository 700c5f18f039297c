// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build !unix

package broker

// openFileLimit returns 0: no open-file limit is known here.
func openFileLimit() int { return 0 }
