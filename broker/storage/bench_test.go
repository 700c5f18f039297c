// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// benchMessage is a typical QoS 1 message: 256 bytes of payload, a
// message expiry, a content type and two user properties.
func benchMessage() Message {
	return Message{
		Publish: codec.Publish{
			QoS: 1, PacketID: 42, Topic: "sensors/building-1/floor-2/temperature",
			Properties: codec.Properties{
				MessageExpiry: codec.Ptr(uint32(3600)),
				ContentType:   codec.Ptr("application/json"),
				User:          []codec.UserProperty{{Key: "trace", Value: "abc123"}, {Key: "src", Value: "gw-7"}},
			},
			Payload: make([]byte, 256),
		},
		ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func BenchmarkEncodeQueued(b *testing.B) {
	q := &Queued{ClientID: "client-000123", Seq: 1 << 20, Message: benchMessage()}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		k, _ := appendQueuedKey(buf[:0], q.ClientID, q.Seq)
		v, err := appendQueuedValue(k, q)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(v)))
	}
}

func BenchmarkDecodeQueued(b *testing.B) {
	q := &Queued{ClientID: "client-000123", Seq: 1 << 20, Message: benchMessage()}
	v, err := appendQueuedValue(nil, q)
	if err != nil {
		b.Fatal(err)
	}
	k, _ := appendQueuedKey(nil, q.ClientID, q.Seq)
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		pk, err := parseKey(k)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeQueued(pk.clientID, pk.rest, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSession(b *testing.B) {
	s := &Session{ClientID: "client-000123", ProtocolVersion: 5, Username: "user", ExpiryInterval: 3600,
		Will: &Will{Message: benchMessage(), DelayInterval: 10}}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		k, _ := appendSessionKey(buf[:0], s.ClientID)
		if _, err := appendSessionValue(k, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSession(b *testing.B) {
	s := &Session{ClientID: "client-000123", ProtocolVersion: 5, Username: "user", ExpiryInterval: 3600,
		Will: &Will{Message: benchMessage(), DelayInterval: 10}}
	v, err := appendSessionValue(nil, s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeSession(s.ClientID, v); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStorePut measures PutQueued from parallel goroutines against the
// memory backend; with wait it also waits for each write's Done, as the
// broker does in ModeSync before a PUBACK.
func benchStorePut(b *testing.B, mode Mode, wait bool) {
	st := NewStore(NewMemory(), Options{Mode: mode, Logger: slog.New(slog.DiscardHandler)})
	defer func() {
		if err := st.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}()
	var ids atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism(8) // several clients, as on a broker
	b.RunParallel(func(pb *testing.PB) {
		q := &Queued{ClientID: "client-" + string(rune('a'+ids.Add(1)%26)), Message: benchMessage()}
		ctx := context.Background()
		for i := uint64(0); pb.Next(); i++ {
			q.Seq = i % 1024 // overwrite, so the backend stays small
			d := st.PutQueued(q)
			if wait {
				if err := d.Wait(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
	if err := st.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	s := st.Stats()
	b.ReportMetric(float64(s.Ops)/float64(max(s.Batches, 1)), "ops/batch")
}

func BenchmarkStorePutAsync(b *testing.B)    { benchStorePut(b, ModeAsync, false) }
func BenchmarkStorePutSync(b *testing.B)     { benchStorePut(b, ModeSync, false) }
func BenchmarkStorePutSyncWait(b *testing.B) { benchStorePut(b, ModeSync, true) }
