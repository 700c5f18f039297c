// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package report

import (
	"fmt"
	"strings"

	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

// Subject is the broker the report is about; the others are its peers.
const Subject = "wrenmq"

// si formats a count with a k/M suffix.
func si(v float64) string {
	switch {
	case v >= 10e6:
		return fmt.Sprintf("%.0fM", v/1e6)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 10e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// span formats a Stat as "median (min–max)" with f, or just the median for
// a single run.
func span(s Stat, f func(float64) string) string {
	if s.N == 0 {
		return "–"
	}
	if s.N == 1 || s.Min == s.Max {
		return f(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.Median), f(s.Min), f(s.Max))
}

func ms(us float64) string {
	if us < 1000 {
		return fmt.Sprintf("%.0fµs", us)
	}
	return fmt.Sprintf("%.1fms", us/1000)
}

func mib(b float64) string   { return fmt.Sprintf("%.1f", b/(1<<20)) }
func kib(b float64) string   { return fmt.Sprintf("%.1f", b/1024) }
func usmsg(v float64) string { return fmt.Sprintf("%.2f", v) }
func count(v float64) string { return fmt.Sprintf("%.0f", v) }
func ratioStr(r float64) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

// Tables renders the result tables in Markdown: message scenarios, ratios
// of the subject to each peer, and idle connections.
func Tables(rows []Row, brokers []string) string {
	var b strings.Builder
	b.WriteString("| scenario | broker | delivered/s | published/s | latency p50 | latency p99 | lost (median, max) | duplicates (max) | broker CPU µs/msg | peak RSS MiB |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range rows {
		if row.Config.Kind == scenario.Idle {
			continue
		}
		for _, br := range brokers {
			s := row.Summaries[br]
			if s == nil {
				continue
			}
			note := ""
			if s.Failed > 0 {
				note = fmt.Sprintf(" (%d failed)", s.Failed)
			}
			if s.TimedOut > 0 {
				note += fmt.Sprintf(" (%d/%d incomplete)", s.TimedOut, s.Deliver.N)
			}
			fmt.Fprintf(&b, "| %s | %s%s | %s | %s | %s | %s | %s, %s | %s | %s | %s |\n",
				row.Config.Name(), br, note, span(s.Deliver, si), span(s.Publish, si), span(s.P50, ms), span(s.P99, ms),
				count(s.Lost.Median), count(s.Lost.Max), count(s.Dup.Max), span(s.CPUPerMsg, usmsg), span(s.PeakRSS, mib))
		}
	}
	peers := without(brokers, Subject)
	if len(peers) > 0 && contains(brokers, Subject) {
		b.WriteString("\nRatios of medians, " + Subject + "/peer (throughput: higher is better; CPU and memory: lower is better):\n\n")
		b.WriteString("| scenario |")
		for _, p := range peers {
			fmt.Fprintf(&b, " delivered/s vs %s | CPU/msg vs %s | peak RSS vs %s |", p, p, p)
		}
		b.WriteString("\n|---|" + strings.Repeat("--:|--:|--:|", len(peers)) + "\n")
		for _, row := range rows {
			w := row.Summaries[Subject]
			if w == nil {
				continue
			}
			fmt.Fprintf(&b, "| %s |", row.Config.Name())
			for _, p := range peers {
				s := row.Summaries[p]
				if s == nil {
					b.WriteString(" – | – | – |")
					continue
				}
				thr := ratio(w.Deliver.Median, s.Deliver.Median)
				cpu := ratio(w.CPUPerMsg.Median, s.CPUPerMsg.Median)
				if row.Config.Kind == scenario.Idle {
					thr = ratio(w.ConnectRate.Median, s.ConnectRate.Median)
					cpu = ratio(w.CPU.Median, s.CPU.Median)
				}
				fmt.Fprintf(&b, " %s | %s | %s |", ratioStr(thr), ratioStr(cpu), ratioStr(ratio(w.PeakRSS.Median, s.PeakRSS.Median)))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n(For idle: connects/s instead of delivered/s, and broker CPU seconds for the connects instead of CPU per message.)\n")
	}
	for _, row := range rows {
		if row.Config.Kind != scenario.Idle {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n\n| broker | memory per connection KiB | connects/s | broker CPU s | peak RSS MiB |\n|---|--:|--:|--:|--:|\n", row.Config.Name())
		for _, br := range brokers {
			s := row.Summaries[br]
			if s == nil {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", br, span(s.MemPerConn, kib), span(s.ConnectRate, si),
				span(s.CPU, func(v float64) string { return fmt.Sprintf("%.2f", v) }), span(s.PeakRSS, mib))
		}
	}
	return b.String()
}

// Errors lists the errors of every run, deduplicated, for the report.
func Errors(rows []Row, brokers []string) string {
	var b strings.Builder
	for _, row := range rows {
		for _, br := range brokers {
			s := row.Summaries[br]
			if s == nil {
				continue
			}
			seen := map[string]bool{}
			for _, e := range s.Errors {
				if e == "" || seen[e] {
					continue
				}
				seen[e] = true
				fmt.Fprintf(&b, "- %s, %s: %s\n", row.Config.Name(), br, e)
			}
		}
	}
	return b.String()
}

func without(list []string, x string) []string {
	var out []string
	for _, s := range list {
		if s != x {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, x string) bool {
	for _, s := range list {
		if s == x {
			return true
		}
	}
	return false
}
