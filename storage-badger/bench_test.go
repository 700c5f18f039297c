// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package badgerstore_test

import (
	"fmt"
	"testing"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
)

// BenchmarkQoS1 is persisted QoS 1 throughput with SyncWrites (fsync per
// batch), the setting for "nothing lost" on power failure.
func BenchmarkQoS1(b *testing.B) {
	storagetest.BenchmarkQoS1(b, func(b *testing.B) storage.Backend {
		be, err := badgerstore.Open(badgerstore.Options{Dir: b.TempDir(), SyncWrites: true, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return be
	})
}

// BenchmarkBrokerQoS1 is persisted QoS 1 throughput through the broker
// (publishers to a persistent subscriber over TCP), with Badger's default
// writes (durable across a process crash, as the crash tests prove) and
// with SyncWrites (also across power loss).
func BenchmarkBrokerQoS1(b *testing.B) {
	for _, fsync := range []bool{false, true} {
		b.Run(fmt.Sprintf("syncwrites=%t", fsync), func(b *testing.B) {
			storagetest.BenchmarkBrokerQoS1(b, func(b *testing.B) storage.Backend {
				be, err := badgerstore.Open(badgerstore.Options{Dir: b.TempDir(), SyncWrites: fsync, Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				return be
			})
		})
	}
}
