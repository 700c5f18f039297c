// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage_test

import (
	"testing"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
)

func TestMemoryBackend(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storage.Backend { return storage.NewMemory() },
		storagetest.RunOptions{SnapshotScans: true})
}
