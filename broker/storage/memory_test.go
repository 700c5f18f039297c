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

// BenchmarkBrokerQoS1Memory is the reference for the backends' broker
// benchmarks: the same load on the in-memory backend.
func BenchmarkBrokerQoS1Memory(b *testing.B) {
	storagetest.BenchmarkBrokerQoS1(b, func(*testing.B) storage.Backend { return storage.NewMemory() })
}
