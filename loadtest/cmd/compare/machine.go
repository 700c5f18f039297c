// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machine describes where the comparison ran.
type machine struct {
	cpu        string
	cores      int
	kernel     string
	goVersion  string
	loadBefore string
	loadAfter  string
}

func describeMachine() machine {
	m := machine{cores: runtime.NumCPU(), goVersion: runtime.Version(), loadBefore: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	return m
}

func (m machine) oneLine() string {
	return fmt.Sprintf("%d cores (%s), Linux %s, %s, load average %s", m.cores, m.cpu, m.kernel, m.goVersion, m.loadBefore)
}

// loadavg returns the 1, 5 and 15 minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
