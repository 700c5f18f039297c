// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker/storage"
)

// TestMaxConnectionsDefault: the default connection cap leaves a few
// descriptors for listeners and logs, and more when storage (Badger keeps
// many files open) is configured.
func TestMaxConnectionsDefault(t *testing.T) {
	n := openFileLimit()
	if n <= 0 {
		t.Skip("the open-file limit cannot be read on this system")
	}
	o := Options{}.withDefaults()
	require.Equal(t, n-min(n/16, 64), o.Limits.MaxConnections)
	st := storage.NewStore(storage.NewMemory(), storage.Options{})
	defer st.Close(t.Context())
	o = Options{Storage: st}.withDefaults()
	require.Equal(t, n-min(n/4, 1024), o.Limits.MaxConnections)
}
