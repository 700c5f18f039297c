// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"log/slog"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// memoryCheckInterval is how often the live heap is compared with
// Limits.MemoryLimit.
const memoryCheckInterval = 100 * time.Millisecond

// liveHeapMetric is the heap held by objects that survived the last
// garbage collection: what the server keeps, not garbage awaiting the
// next collection.
const liveHeapMetric = "/gc/heap/live:bytes"

// memoryGuard records whether the live heap is above Limits.MemoryLimit.
type memoryGuard struct {
	over atomic.Bool
	// buf is the metrics buffer of the sampling goroutine.
	buf [1]metrics.Sample
}

// memoryLoop samples the heap until Close.
func (s *Server) memoryLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(memoryCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mem.sample(s.opts.Limits.MemoryLimit, s.log)
		}
	}
}

// sample reads the live heap, updates over and logs a change of state.
func (g *memoryGuard) sample(limit int64, log *slog.Logger) {
	live, ok := readMetric(&g.buf, liveHeapMetric)
	if !ok {
		return // not reported by this runtime: never shed load
	}
	over := live > uint64(limit)
	if g.over.Swap(over) == over {
		return
	}
	if over {
		log.Warn("live heap above the memory limit: refusing new connections and inbound messages",
			"live_heap", live, "memory_limit", limit)
	} else {
		log.Info("live heap below the memory limit again: serving normally", "live_heap", live, "memory_limit", limit)
	}
}

// overMemory reports whether the server is shedding load (see
// Limits.MemoryLimit).
func (s *Server) overMemory() bool { return s.mem.over.Load() }

// readMetric reads the runtime metric name (a uint64 one) into buf, and
// reports false when this runtime does not have it.
func readMetric(buf *[1]metrics.Sample, name string) (uint64, bool) {
	buf[0].Name = name
	metrics.Read(buf[:])
	if buf[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return buf[0].Value.Uint64(), true
}
