// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLoadAverages: a steady rate is approached by every average, the
// one-minute one fastest, and decays once the counter stops growing.
func TestLoadAverages(t *testing.T) {
	var l loadAverages
	t0 := time.Unix(1_000_000, 0)
	var counters [loadCounters]int64
	l.update(t0, counters)
	assert.Equal(t, [3]float64{}, l.avg[0], "the first update only records")

	// 600 messages every 10 s is 3,600 per minute.
	now := t0
	for range 6 * 60 { // one hour
		now = now.Add(10 * time.Second)
		counters[0] += 600
		l.update(now, counters)
	}
	for p := range loadPeriods {
		assert.InDelta(t, 3600, l.avg[0][p], 3600*0.02, "period %s after an hour", loadPeriodNames[p])
	}
	assert.Equal(t, [3]float64{}, l.avg[1], "a counter that does not grow stays at zero")

	// One interval of 10 s at that rate from zero moves the one-minute
	// average by 1-e^(-1/6) of the way.
	var fresh loadAverages
	var c [loadCounters]int64
	fresh.update(t0, c)
	c[0] = 600
	fresh.update(t0.Add(10*time.Second), c)
	assert.InDelta(t, 3600*(1-math.Exp(-1.0/6)), fresh.avg[0][0], 1e-9)

	// A minute without messages: the one-minute average falls to 1/e.
	before := l.avg[0]
	l.update(now.Add(time.Minute), counters)
	assert.InDelta(t, before[0]/math.E, l.avg[0][0], 1e-6)
	assert.Greater(t, l.avg[0][2], l.avg[0][0], "the 15-minute average decays slower")

	// A clock that goes back changes nothing.
	after := l.avg
	l.update(now, counters)
	assert.Equal(t, after, l.avg)
}
