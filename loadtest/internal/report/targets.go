// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package report

import (
	"fmt"
	"strings"

	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

// Check is one performance target applied to one scenario.
type Check struct {
	Target   string
	Scenario string
	Value    string
	Met      bool
}

// Targets checks the subject's medians against the targets of issue 8:
// no lost QoS 1/2 messages and no QoS 2 duplicates anywhere, no lost QoS 0
// message in pairs n=100; throughput >= 1.0x Mosquitto (1.5x in fan-out)
// and >= 1.3x mochi; CPU per delivered message <= 1.2x Mosquitto's; peak
// RSS in pairs n=100 <= 4x Mosquitto's; idle memory <= 8 KiB/connection.
// Losses and duplicates are checked on the worst repetition.
func Targets(rows []Row) []Check {
	var out []Check
	add := func(target, sc, value string, met bool) {
		out = append(out, Check{Target: target, Scenario: sc, Value: value, Met: met})
	}
	for _, row := range rows {
		cfg := row.Config
		w := row.Summaries[Subject]
		if w == nil || w.Deliver.N+w.ConnectRate.N == 0 {
			continue
		}
		name := cfg.Name()
		mq, mo := row.Summaries["mosquitto"], row.Summaries["mochi"]
		if cfg.Kind == scenario.Idle {
			if cfg.Dialers > 0 && cfg.Dialers != scenario.DefaultDialers {
				continue // informational (idle-storm): the targets are on the standard idle run
			}
			add("idle memory <= 8 KiB/connection", name, fmt.Sprintf("%.1f KiB", w.MemPerConn.Median/1024), w.MemPerConn.Median <= 8*1024)
			if mq != nil && mq.ConnectRate.N > 0 {
				r := ratio(w.ConnectRate.Median, mq.ConnectRate.Median)
				add("connects/s >= 1.0x mosquitto", name, fmt.Sprintf("%.2fx", r), r >= 1.0)
			}
			if mo != nil && mo.ConnectRate.N > 0 {
				r := ratio(w.ConnectRate.Median, mo.ConnectRate.Median)
				add("connects/s >= 1.3x mochi", name, fmt.Sprintf("%.2fx", r), r >= 1.3)
			}
			continue
		}
		if cfg.QoS > 0 {
			add("zero lost QoS 1/2 messages", name, fmt.Sprintf("max %.0f lost", w.Lost.Max), w.Lost.Max == 0 && w.Failed == 0)
		}
		if cfg.QoS == 2 {
			add("zero duplicates at QoS 2", name, fmt.Sprintf("max %.0f", w.Dup.Max), w.Dup.Max == 0)
		}
		if cfg.Kind == scenario.Pairs && cfg.QoS == 0 && cfg.Publishers >= 100 {
			add("zero lost QoS 0 in pairs n=100", name, fmt.Sprintf("max %.0f lost", w.Lost.Max), w.Lost.Max == 0 && w.Failed == 0)
		}
		if mq != nil && mq.Deliver.N > 0 {
			want := 1.0
			if cfg.Kind == scenario.FanOut {
				want = 1.5
			}
			r := ratio(w.Deliver.Median, mq.Deliver.Median)
			add(fmt.Sprintf("delivered/s >= %.1fx mosquitto", want), name, fmt.Sprintf("%.2fx", r), r >= want)
			c := ratio(w.CPUPerMsg.Median, mq.CPUPerMsg.Median)
			switch {
			case w.CPUPerMsg.Median == 0 && mq.CPUPerMsg.Median > 0:
				// Below the 10 ms resolution of /proc/PID/stat.
				add("CPU per delivered message <= 1.2x mosquitto", name, "< 10 ms CPU in all", true)
			default:
				add("CPU per delivered message <= 1.2x mosquitto", name, fmt.Sprintf("%.2fx", c), c > 0 && c <= 1.2)
			}
			if cfg.Kind == scenario.Pairs && cfg.Publishers >= 100 {
				m := ratio(w.PeakRSS.Median, mq.PeakRSS.Median)
				add("peak RSS in pairs n=100 <= 4x mosquitto", name, fmt.Sprintf("%.2fx", m), m > 0 && m <= 4)
			}
		}
		if mo != nil && mo.Deliver.N > 0 {
			r := ratio(w.Deliver.Median, mo.Deliver.Median)
			add("delivered/s >= 1.3x mochi", name, fmt.Sprintf("%.2fx", r), r >= 1.3)
		}
	}
	return out
}

// TargetsMarkdown renders checks as a Markdown table followed by a count.
func TargetsMarkdown(checks []Check) string {
	var b strings.Builder
	b.WriteString("| target | scenario | wrenmq | met |\n|---|---|--:|---|\n")
	met := 0
	for _, c := range checks {
		mark := "MISSED"
		if c.Met {
			mark = "met"
			met++
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Target, c.Scenario, c.Value, mark)
	}
	fmt.Fprintf(&b, "\n%d of %d checks met.\n", met, len(checks))
	return b.String()
}
