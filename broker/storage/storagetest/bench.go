// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storagetest

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
)

// BenchmarkQoS1 measures persisted QoS 1 throughput through a Store on
// backends from newBackend, in ModeSync and ModeAsync: 16 concurrent
// publishers each store a 256-byte message for a subscriber, wait for it
// as the broker waits before PUBACK, and delete it as on delivery.
func BenchmarkQoS1(b *testing.B, newBackend func(b *testing.B) storage.Backend) {
	for _, mode := range []storage.Mode{storage.ModeSync, storage.ModeAsync} {
		b.Run(mode.String(), func(b *testing.B) {
			st := storage.NewStore(newBackend(b), storage.Options{Mode: mode, Logger: slog.New(slog.DiscardHandler)})
			var ids atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				id := fmt.Sprintf("subscriber-%d", ids.Add(1))
				q := &storage.Queued{ClientID: id, Message: storage.Message{Publish: codec.Publish{
					QoS: 1, PacketID: 1, Topic: "bench/qos1", Payload: make([]byte, 256)}}}
				ctx := context.Background()
				for seq := uint64(1); pb.Next(); seq++ {
					q.Seq = seq
					if err := st.PutQueued(q).Wait(ctx); err != nil {
						b.Error(err)
						return
					}
					st.DeleteQueued(id, seq)
				}
			})
			if err := st.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			s := st.Stats()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(s.Ops)/float64(max(s.Batches, 1)), "ops/batch")
		})
	}
}
