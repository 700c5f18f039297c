// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main

import (
	"fmt"
	"strings"

	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

// preset is a named scenario of the standard comparison.
type preset struct {
	name string
	cfg  scenario.Config
}

// presets returns the standard comparison; quick divides message and
// connection counts by 10 for a fast look.
func presets(quick bool) []preset {
	ps := []preset{
		{"pairs-2", scenario.Config{Kind: scenario.Pairs, Publishers: 2, Messages: 10000}},
		{"pairs-10", scenario.Config{Kind: scenario.Pairs, Publishers: 10, Messages: 10000}},
		{"pairs-100", scenario.Config{Kind: scenario.Pairs, Publishers: 100, Messages: 10000}},
		{"pairs-10-q1", scenario.Config{Kind: scenario.Pairs, Publishers: 10, Messages: 10000, QoS: 1}},
		{"pairs-10-q2", scenario.Config{Kind: scenario.Pairs, Publishers: 10, Messages: 10000, QoS: 2}},
		{"pairs-10-q1-v3", scenario.Config{Kind: scenario.Pairs, Publishers: 10, Messages: 10000, QoS: 1, Version: codec.V311}},
		{"fan-in", scenario.Config{Kind: scenario.FanIn, Publishers: 10, Messages: 2000, QoS: 1}},
		{"fan-out", scenario.Config{Kind: scenario.FanOut, Subscribers: 50, Messages: 2000, QoS: 1}},
		{"shared", scenario.Config{Kind: scenario.Shared, Publishers: 4, Subscribers: 10, Messages: 5000, QoS: 1}},
		{"retained", scenario.Config{Kind: scenario.Retained, Messages: 10000, QoS: 1}},
		{"idle", scenario.Config{Kind: scenario.Idle, Connections: 10000}},
		// A connection storm: as idle with 128 connections opening at once,
		// beyond a listen backlog of 100 (Mosquitto's). Informational: the
		// issue's idle targets are checked on "idle" only.
		{"idle-storm", scenario.Config{Kind: scenario.Idle, Connections: 10000, Dialers: 128}},
	}
	for i := range ps {
		c := &ps[i].cfg
		if c.Version == 0 {
			c.Version = codec.V5
		}
		if quick {
			c.Messages = max(c.Messages/10, 1)
			c.Connections /= 10
		}
	}
	return ps
}

// selectPresets picks presets by comma-separated names ("all" for every one).
func selectPresets(all []preset, names string) ([]preset, error) {
	if names == "" || names == "all" {
		return all, nil
	}
	var out []preset
	for n := range strings.SplitSeq(names, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, p := range all {
			if p.name == n {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			var known []string
			for _, p := range all {
				known = append(known, p.name)
			}
			return nil, fmt.Errorf("unknown scenario %q; known: %s", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}
