// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wrenmq/wrenmq/broker/storage"
)

// AddStorage exports the counters of the broker's storage write path:
// batches and operations written, failed write attempts (storage errors),
// writes that waited for a full queue, writes abandoned at close, what is
// queued now and whether the backend is healthy.
func (m *Metrics) AddStorage(s *storage.Store) {
	m.reg.MustRegister(&storageCollector{s: s})
}

type storageCollector struct{ s *storage.Store }

var (
	storageBatches   = desc("storage_batches_total", "Batches written to the storage backend.")
	storageOps       = desc("storage_operations_total", "Operations written to the storage backend.")
	storageFailures  = desc("storage_errors_total", "Failed write attempts to the storage backend (each is retried).")
	storageBlocked   = desc("storage_blocked_writes_total", "Times a writer (a client's reader, after a packet) waited for room in a full storage queue.")
	storageAbandoned = desc("storage_abandoned_writes_total", "Writes dropped because shutdown gave up on them.")
	storageQOps      = desc("storage_queued_operations", "Writes not yet durable.")
	storageQBytes    = desc("storage_queued_bytes", "Bytes of writes not yet durable.")
	storageHealthy   = desc("storage_healthy", "1 when the last write to the backend succeeded, else 0.")
)

// Describe sends the storage descriptors.
func (c *storageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storageBatches, storageOps, storageFailures, storageBlocked, storageAbandoned, storageQOps, storageQBytes, storageHealthy} {
		ch <- d
	}
}

// Collect reads the store's counters.
func (c *storageCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	healthy := 0.0
	if c.s.Healthy() {
		healthy = 1
	}
	ch <- prometheus.MustNewConstMetric(storageBatches, prometheus.CounterValue, float64(st.Batches))
	ch <- prometheus.MustNewConstMetric(storageOps, prometheus.CounterValue, float64(st.Ops))
	ch <- prometheus.MustNewConstMetric(storageFailures, prometheus.CounterValue, float64(st.Failures))
	ch <- prometheus.MustNewConstMetric(storageBlocked, prometheus.CounterValue, float64(st.Blocked))
	ch <- prometheus.MustNewConstMetric(storageAbandoned, prometheus.CounterValue, float64(st.Abandoned))
	ch <- prometheus.MustNewConstMetric(storageQOps, prometheus.GaugeValue, float64(st.QueuedOps))
	ch <- prometheus.MustNewConstMetric(storageQBytes, prometheus.GaugeValue, float64(st.QueuedBytes))
	ch <- prometheus.MustNewConstMetric(storageHealthy, prometheus.GaugeValue, healthy)
}
