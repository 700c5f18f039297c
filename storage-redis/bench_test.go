// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package redisstore_test

import (
	"fmt"

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

// BenchmarkDeleteSession ends a session of two records in a database
// holding 100,000 records of other clients and retained messages, as a
// clean start over a persistent session does.
func BenchmarkDeleteSession(b *testing.B) {
	addr := redistest.Start(b)
	be, err := redisstore.Open(redisstore.Options{Addr: addr, Prefix: uniquePrefix(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	for batch := range 100 {
		ops := make([]storage.Op, 0, 1000)
		for i := range 500 {
			id := fmt.Sprintf("other-%d-%d", batch, i)
			ops = append(ops, storage.Op{Key: append([]byte{'c', 0, byte(len(id))}, id+"s"...), Value: []byte("v")},
				storage.Op{Key: []byte("r" + id), Value: []byte("v")})
		}
		if err := be.Apply(ctx, ops); err != nil {
			b.Fatal(err)
		}
	}
	st := storage.NewStore(be, storage.Options{Mode: storage.ModeSync, Logger: quiet})
	defer func() {
		if err := st.Close(ctx); err != nil {
			b.Error(err)
		}
	}()
	for b.Loop() {
		if err := st.PutSession(&storage.Session{ClientID: "c", ProtocolVersion: 5}).Wait(ctx); err != nil {
			b.Fatal(err)
		}
		if err := st.PutSubscription(&storage.Subscription{ClientID: "c", Filter: "a/#", QoS: 1}).Wait(ctx); err != nil {
			b.Fatal(err)
		}
		if err := st.DeleteSession("c").Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
