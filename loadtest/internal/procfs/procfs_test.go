// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package procfs_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/loadtest/internal/procfs"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestReadSelf(t *testing.T) {
	s, err := procfs.Read(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, s.RSS)
	require.GreaterOrEqual(t, s.PeakRSS, s.RSS)
	require.GreaterOrEqual(t, s.CPU.Nanoseconds(), int64(0))

	_, err = procfs.Read(-1)
	require.Error(t, err)
}
