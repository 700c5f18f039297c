// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package redisstore_test

import (
	"testing"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/broker/storage/storagetest"
	redisstore "github.com/wrenmq/wrenmq/storage-redis"
	"github.com/wrenmq/wrenmq/storage-redis/redistest"
)

func BenchmarkQoS1(b *testing.B) {
	addr := redistest.Start(b)
	storagetest.BenchmarkQoS1(b, func(b *testing.B) storage.Backend {
		be, err := redisstore.Open(redisstore.Options{Addr: addr, Prefix: uniquePrefix(), Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return be
	})
}

// BenchmarkBrokerQoS1 is persisted QoS 1 throughput through the broker
// (publishers to a persistent subscriber over TCP).
func BenchmarkBrokerQoS1(b *testing.B) {
	addr := redistest.Start(b)
	storagetest.BenchmarkBrokerQoS1(b, func(b *testing.B) storage.Backend {
		be, err := redisstore.Open(redisstore.Options{Addr: addr, Prefix: uniquePrefix(), Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return be
	})
}
