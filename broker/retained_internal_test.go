// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/codec"
)

// TestRetainedStoreMatchesReference: after random sets and deletes, the
// tree answers every filter as codec.MatchTopic does over a plain map
// (wildcards, '#' matching the parent level, empty levels, '$' topics),
// returns no more than a limit asks, and keeps its count and bytes;
// deleting everything leaves no node.
func TestRetainedStoreMatchesReference(t *testing.T) {
	levels := []string{"a", "b", "", "$SYS", "$x", "c"}
	topic := func(rng *rand.Rand) string {
		n := 1 + rng.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = levels[rng.IntN(len(levels))]
		}
		if t := strings.Join(parts, "/"); t != "" {
			return t
		}
		return "a"
	}
	filter := func(rng *rand.Rand) string {
		n := 1 + rng.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			switch x := rng.IntN(len(levels) + 2); {
			case x == len(levels):
				parts[i] = "+"
			case x == len(levels)+1 && i == n-1:
				parts[i] = "#"
			default:
				parts[i] = levels[rng.IntN(len(levels))]
			}
		}
		if f := strings.Join(parts, "/"); f != "" {
			return f
		}
		return "+"
	}
	rng := rand.New(rand.NewPCG(1, 2))
	r := newRetainedStore()
	ref := map[string]*message{}
	refBytes := 0
	now := time.Now()
	for i := range 3000 {
		tp := topic(rng)
		if rng.IntN(3) == 0 {
			if m := ref[tp]; m != nil {
				refBytes -= retainedCost(m)
				delete(ref, tp)
			}
			r.delete(tp)
		} else {
			m := newMessage(&codec.Publish{Topic: tp, Payload: []byte{byte(i)}}, "c", 0, now)
			if old := ref[tp]; old != nil {
				refBytes -= retainedCost(old)
			}
			ref[tp], refBytes = m, refBytes+retainedCost(m)
			require.True(t, r.set(m, nil, 1<<20, 1<<30))
		}
		require.Equal(t, len(ref), r.count())
		require.Equal(t, refBytes, r.bytes)
		f := filter(rng)
		require.NoError(t, codec.ValidateTopicFilter(f), f)
		var want, got []string
		for tp := range ref {
			if codec.MatchTopic(f, tp) {
				want = append(want, tp)
			}
		}
		for _, m := range r.match(f, math.MaxInt) {
			got = append(got, m.pub.Topic)
			require.Same(t, ref[m.pub.Topic], m)
		}
		slices.Sort(want)
		slices.Sort(got)
		require.Equal(t, want, got, "filter %q", f)
		limit := rng.IntN(4)
		some := r.match(f, limit)
		require.Len(t, some, min(limit, len(want)), "filter %q, limit %d", f, limit)
		for _, m := range some {
			require.Contains(t, want, m.pub.Topic)
		}
	}
	for tp := range ref {
		r.delete(tp)
	}
	require.Zero(t, r.count())
	require.Zero(t, r.bytes)
	require.Empty(t, r.root.kids, "every level was pruned")
}

// TestRetainedStoreLimits: a new topic beyond the count or byte bound is
// refused; replacing an existing topic's message by one no larger always
// fits; deleteIf removes only the message it names.
func TestRetainedStoreLimits(t *testing.T) {
	r := newRetainedStore()
	now := time.Now()
	msg := func(tp string, n int) *message {
		return newMessage(&codec.Publish{Topic: tp, Payload: make([]byte, n)}, "c", 0, now)
	}
	a := msg("x/a", 10)
	require.True(t, r.set(a, nil, 2, 2000))
	require.True(t, r.set(msg("x/b", 10), nil, 2, 2000))
	require.False(t, r.set(msg("x/c", 10), nil, 2, 2000), "a third topic beyond the count bound")
	a2 := msg("x/a", 5)
	require.True(t, r.set(a2, nil, 2, 2000), "replacing never counts as a new topic")
	require.False(t, r.deleteIf(a), "a is no longer the retained message of x/a")
	require.True(t, r.deleteIf(a2))
	require.Equal(t, 1, r.count())
	require.False(t, r.set(msg("x/big", 2000), nil, 2, 2000), "beyond the byte bound")

	// Deep topics count their tree levels: 100 levels of one letter are
	// about 7.4 KB of tree for 200 bytes of topic.
	r = newRetainedStore()
	deep := func(c string) string { return strings.Repeat(c+"/", 99) + c }
	require.True(t, r.set(msg(deep("a"), 1), nil, 10, 10000))
	require.False(t, r.set(msg(deep("b"), 1), nil, 10, 10000), "a second deep topic exceeds 10,000 bytes")
}

// BenchmarkRetainedMatch: a subscription to one device's topics among
// 100,000 retained ones visits that device's branch only.
func BenchmarkRetainedMatch(b *testing.B) {
	r := newRetainedStore()
	now := time.Now()
	for i := range 100000 {
		tp := fmt.Sprintf("devices/%05d/state", i)
		r.set(newMessage(&codec.Publish{Topic: tp, Payload: []byte("on")}, "c", 0, now), nil, 1<<20, 1<<30)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(r.match("devices/04242/#", math.MaxInt)) != 1 {
			b.Fatal("no match")
		}
	}
}

// TestRetainedStoreConcurrent: sets, deletes and matches from several
// goroutines at once leave a consistent store (run with -race).
func TestRetainedStoreConcurrent(t *testing.T) {
	r := newRetainedStore()
	now := time.Now()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				tp := fmt.Sprintf("c/%d/%d", (w+i)%7, i%13)
				switch i % 3 {
				case 0:
					r.set(newMessage(&codec.Publish{Topic: tp, Payload: []byte("x")}, "c", 0, now), nil, 1<<20, 1<<30)
				case 1:
					r.delete(tp)
				default:
					r.match("c/+/#", math.MaxInt)
				}
			}
		})
	}
	wg.Wait()
	require.Len(t, r.match("#", math.MaxInt), r.count())
	for _, m := range r.match("#", math.MaxInt) {
		r.delete(m.pub.Topic)
	}
	require.Zero(t, r.count())
	require.Zero(t, r.bytes)
	require.Empty(t, r.root.kids)
}
