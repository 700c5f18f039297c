// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package fuzz holds the fuzz targets and property tests of the wrenmq
// codec. It is a separate module so that its test-only dependencies
// (rapid, testify) stay out of the codec's go.mod; it is never imported.
//
// The seed corpus is the codec's golden catalogue, exported by
// `go test -run TestCorpus -update-corpus ./` in the codec module to
// testdata/golden/*.hex.
package fuzz_test
