// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package track_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/loadtest/internal/track"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStampRead(t *testing.T) {
	b := make([]byte, 40)
	track.Stamp(b, 7, 123456, 1_700_000_000_123_456_789)
	pub, seq, ts, ok := track.Read(b)
	require.True(t, ok)
	require.Equal(t, uint32(7), pub)
	require.Equal(t, uint32(123456), seq)
	require.Equal(t, int64(1_700_000_000_123_456_789), ts)
	_, _, _, ok = track.Read(b[:track.HeaderSize-1])
	require.False(t, ok)
}

func TestGroupTally(t *testing.T) {
	tests := []struct {
		name               string
		receipts           [][2]uint32 // (pub, seq)
		unique, dup, lost  int64
		firsts, unexpected int
	}{
		{name: "nothing", lost: 6},
		{name: "all once", receipts: [][2]uint32{{0, 0}, {0, 1}, {0, 2}, {2, 0}, {2, 1}, {2, 2}}, unique: 6, firsts: 6},
		{name: "duplicates", receipts: [][2]uint32{{0, 0}, {0, 0}, {0, 0}, {2, 1}}, unique: 2, dup: 2, lost: 4, firsts: 2},
		{name: "unexpected publisher and sequence", receipts: [][2]uint32{{1, 0}, {0, 3}, {5, 0}, {2, 2}}, unique: 1, lost: 5, firsts: 1, unexpected: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := track.NewGroup([]uint32{0, 2}, 3, 3)
			require.Equal(t, int64(6), g.Expected())
			firsts, unexpected := 0, 0
			for _, r := range tt.receipts {
				first, ok := g.Record(r[0], r[1])
				if !ok {
					unexpected++
				}
				if first {
					firsts++
				}
			}
			u, d, l := g.Tally()
			require.Equal(t, []int64{tt.unique, tt.dup, tt.lost}, []int64{u, d, l})
			require.Equal(t, tt.firsts, firsts)
			require.Equal(t, tt.unexpected, unexpected)
		})
	}
}

func TestGroupMissing(t *testing.T) {
	g := track.NewGroup([]uint32{1}, 10, 2)
	for _, seq := range []uint32{0, 1, 4, 8, 9} {
		g.Record(1, seq)
	}
	require.Equal(t, []string{"publisher 1: 2-3", "publisher 1: 5-7"}, g.Missing(10))
	require.Equal(t, []string{"publisher 1: 2-3"}, g.Missing(1))
	g.Record(1, 6)
	require.Equal(t, []string{"publisher 1: 2-3", "publisher 1: 5", "publisher 1: 7"}, g.Missing(10))
}
