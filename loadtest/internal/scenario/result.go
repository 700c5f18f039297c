// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"fmt"
	"strings"
	"time"
)

// Result is what one run measured. Rates are per second; latencies in
// microseconds; memory in bytes.
type Result struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`

	Published  int64 `json:"published"`
	Expected   int64 `json:"expected"`
	Delivered  int64 `json:"delivered"` // every receipt, duplicates included
	Unique     int64 `json:"unique"`
	Lost       int64 `json:"lost"`
	Duplicates int64 `json:"duplicates"`
	// Foreign counts messages that were not expected by their receiver.
	Foreign int64 `json:"foreign"`
	// Rejected counts publications the broker refused (reason code >= 0x80).
	Rejected int64 `json:"rejected"`
	// TimedOut is set when the run ended on the quiet timeout or the
	// maximum duration rather than with every message delivered.
	TimedOut bool `json:"timed_out"`

	PublishSeconds float64 `json:"publish_seconds"`
	DeliverSeconds float64 `json:"deliver_seconds"`
	PublishRate    float64 `json:"publish_rate"`
	DeliverRate    float64 `json:"deliver_rate"`

	LatencyP50 float64 `json:"latency_p50_us"`
	LatencyP90 float64 `json:"latency_p90_us"`
	LatencyP99 float64 `json:"latency_p99_us"`
	LatencyMax float64 `json:"latency_max_us"`

	// Connections, ConnectRate and MemPerConn are Idle's figures.
	Connections int     `json:"connections,omitempty"`
	ConnectRate float64 `json:"connect_rate,omitempty"`
	MemPerConn  float64 `json:"mem_per_conn,omitempty"`

	// BrokerCPU is the broker's user+system CPU seconds during the
	// measured phase; BrokerPeakRSS its peak resident memory (VmHWM) over
	// its life. Zero without a process id.
	BrokerCPU     float64 `json:"broker_cpu_seconds"`
	BrokerPeakRSS int64   `json:"broker_peak_rss"`

	// Missing names some runs of lost messages ("publisher 3: 1200-1299").
	Missing []string `json:"missing,omitempty"`

	// Errors holds connection failures during the run.
	Errors []string `json:"errors,omitempty"`
}

// CPUPerMessage returns broker CPU microseconds per delivered message.
func (r *Result) CPUPerMessage() float64 {
	if r.Delivered == 0 {
		return 0
	}
	return r.BrokerCPU * 1e6 / float64(r.Delivered)
}

// String formats r on a few lines for humans.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Name)
	if r.Kind == Idle {
		fmt.Fprintf(&b, "  connections %d, %.0f connects/s, broker memory %.2f KiB/connection\n",
			r.Connections, r.ConnectRate, r.MemPerConn/1024)
	} else {
		fmt.Fprintf(&b, "  published %d in %.2fs (%.0f/s), delivered %d in %.2fs (%.0f/s)\n",
			r.Published, r.PublishSeconds, r.PublishRate, r.Delivered, r.DeliverSeconds, r.DeliverRate)
		fmt.Fprintf(&b, "  expected %d, lost %d, duplicates %d, foreign %d, rejected %d",
			r.Expected, r.Lost, r.Duplicates, r.Foreign, r.Rejected)
		if r.TimedOut {
			b.WriteString(" (ended on quiet timeout)")
		}
		fmt.Fprintf(&b, "\n  latency p50 %s p90 %s p99 %s max %s\n",
			us(r.LatencyP50), us(r.LatencyP90), us(r.LatencyP99), us(r.LatencyMax))
	}
	if r.BrokerPeakRSS > 0 {
		fmt.Fprintf(&b, "  broker CPU %.2fs", r.BrokerCPU)
		if r.Delivered > 0 {
			fmt.Fprintf(&b, " (%.2f µs/delivered message)", r.CPUPerMessage())
		}
		fmt.Fprintf(&b, ", peak RSS %.1f MiB\n", float64(r.BrokerPeakRSS)/(1<<20))
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(&b, "  missing: %s\n", strings.Join(r.Missing, ", "))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  error: %s\n", e)
	}
	return b.String()
}

// us formats microseconds.
func us(v float64) string {
	return time.Duration(v * float64(time.Microsecond)).Round(time.Microsecond).String()
}
