// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package report turns the repeated runs of compare into medians with
// their ranges, ratios between brokers, a check of the performance
// targets, a Markdown report and SVG bar charts.
package report

import (
	"slices"

	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

// Run is one scenario run against one broker in one repetition.
type Run struct {
	Rep      int              `json:"rep"`
	Position int              `json:"position"` // order of the broker within the repetition, from 0
	Broker   string           `json:"broker"`
	Scenario string           `json:"scenario"`
	Result   *scenario.Result `json:"result,omitempty"`
	Err      string           `json:"error,omitempty"`
}

// Stat is the median of repeated measurements with their range.
type Stat struct {
	Median, Min, Max float64
	N                int
}

// stat summarises vs.
func stat(vs []float64) Stat {
	if len(vs) == 0 {
		return Stat{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Summary is one broker's figures for one scenario over the repetitions.
type Summary struct {
	Broker      string
	Deliver     Stat // delivered messages per second
	Publish     Stat // published messages per second
	P50, P99    Stat // latency, µs
	Lost, Dup   Stat
	CPUPerMsg   Stat // broker CPU µs per delivered message
	CPU         Stat // broker CPU seconds
	PeakRSS     Stat // bytes
	MemPerConn  Stat // idle: bytes per connection
	ConnectRate Stat // idle: connects per second
	TimedOut    int  // runs that ended on the quiet timeout
	Failed      int  // runs that could not be carried out
	Errors      []string
}

// Row is one scenario across brokers.
type Row struct {
	Config    scenario.Config
	Summaries map[string]*Summary
}

// Summarise groups runs by scenario (in the order of cfgs) and broker.
func Summarise(cfgs []scenario.Config, runs []Run) []Row {
	rows := make([]Row, 0, len(cfgs))
	for _, cfg := range cfgs {
		row := Row{Config: cfg, Summaries: map[string]*Summary{}}
		type acc struct {
			del, pub, p50, p99, lost, dup, cpm, cpu, rss, mpc, cr []float64
		}
		accs := map[string]*acc{}
		for _, r := range runs {
			if r.Scenario != cfg.Name() {
				continue
			}
			s := row.Summaries[r.Broker]
			if s == nil {
				s = &Summary{Broker: r.Broker}
				row.Summaries[r.Broker] = s
				accs[r.Broker] = &acc{}
			}
			a := accs[r.Broker]
			if r.Result == nil {
				s.Failed++
				s.Errors = append(s.Errors, r.Err)
				continue
			}
			res := r.Result
			if r.Err != "" {
				s.Errors = append(s.Errors, r.Err)
			}
			s.Errors = append(s.Errors, res.Errors...)
			if res.TimedOut {
				s.TimedOut++
			}
			a.del = append(a.del, res.DeliverRate)
			a.pub = append(a.pub, res.PublishRate)
			a.p50 = append(a.p50, res.LatencyP50)
			a.p99 = append(a.p99, res.LatencyP99)
			a.lost = append(a.lost, float64(res.Lost))
			a.dup = append(a.dup, float64(res.Duplicates))
			a.cpm = append(a.cpm, res.CPUPerMessage())
			a.cpu = append(a.cpu, res.BrokerCPU)
			a.rss = append(a.rss, float64(res.BrokerPeakRSS))
			a.mpc = append(a.mpc, res.MemPerConn)
			a.cr = append(a.cr, res.ConnectRate)
		}
		for b, a := range accs {
			s := row.Summaries[b]
			s.Deliver, s.Publish = stat(a.del), stat(a.pub)
			s.P50, s.P99 = stat(a.p50), stat(a.p99)
			s.Lost, s.Dup = stat(a.lost), stat(a.dup)
			s.CPUPerMsg, s.CPU, s.PeakRSS = stat(a.cpm), stat(a.cpu), stat(a.rss)
			s.MemPerConn, s.ConnectRate = stat(a.mpc), stat(a.cr)
		}
		rows = append(rows, row)
	}
	return rows
}

// ratio returns a/b, or 0 when either is missing.
func ratio(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return a / b
}
