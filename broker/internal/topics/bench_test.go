// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

const benchSubs = 100_000

// benchIndex builds an index of benchSubs subscriptions: 60% exact
// filters, 20% with a '+' level, 10% ending in '#', 10% starting with '+',
// plus one '#' per site and a shared group, so that a typical topic matches
// a handful of subscriptions through every kind of branch.
func benchIndex(tb testing.TB) *Index {
	tb.Helper()
	ix := New()
	for i := range benchSubs {
		site, dev := strconv.Itoa(i%100), strconv.Itoa(i)
		var f string
		switch k := i % 10; {
		case k < 6:
			f = "site/" + site + "/dev/" + dev + "/temp"
		case k < 8:
			f = "site/+/dev/" + dev + "/temp"
		case k < 9:
			f = "site/" + site + "/dev/" + dev + "/#"
		default:
			f = "+/" + site + "/dev/" + dev + "/+"
		}
		ix.Subscribe(Sub{Client: "c" + dev, Filter: f, QoS: 1})
	}
	for s := range 100 {
		ix.Subscribe(Sub{Client: "site" + strconv.Itoa(s), Filter: "site/" + strconv.Itoa(s) + "/#"})
		ix.Subscribe(Sub{Client: "worker" + strconv.Itoa(s%4), Group: "g", Filter: "site/" + strconv.Itoa(s) + "/dev/+/temp"})
	}
	return ix
}

func benchTopic(d int) string {
	return "site/" + strconv.Itoa(d%100) + "/dev/" + strconv.Itoa(d) + "/temp"
}

func benchTopics(n int) []string {
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]string, n)
	for i := range out {
		out[i] = benchTopic(r.IntN(benchSubs))
	}
	return out
}

func BenchmarkMatch(b *testing.B) {
	ix := benchIndex(b)
	topic := benchTopic(12345)
	if m := ix.Match(topic); len(m.Subs) == 0 || len(m.Shared) == 0 {
		b.Fatalf("benchmark topic matches nothing useful: %+v", m)
	}

	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ix.Match(topic)
		}
	})
	b.Run("hit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				ix.Match(topic)
			}
		})
	})
	// 128 Ki distinct topics cycle through a 4 Ki-entry cache, so almost
	// every call walks the trie, builds a result and inserts it.
	topics := benchTopics(1 << 17)
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ix.Match(topics[i&(len(topics)-1)])
			i++
		}
	})
	b.Run("miss-nocache", func(b *testing.B) {
		saved := ix.cache
		ix.cache = newMatchCache(0, 0)
		defer func() { ix.cache = saved }()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ix.Match(topics[i&(len(topics)-1)])
			i++
		}
	})
}

func BenchmarkSubscribe(b *testing.B) {
	ix := benchIndex(b)
	const n = 1 << 14
	subs := make([]Sub, n)
	for i := range subs {
		d := strconv.Itoa(benchSubs + i)
		subs[i] = Sub{Client: "n" + d, Filter: "site/" + strconv.Itoa(i%100) + "/dev/" + d + "/temp"}
	}

	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i == n {
				b.StopTimer()
				for _, s := range subs {
					ix.Unsubscribe(s.Client, s.Group, s.Filter)
				}
				i = 0
				b.StartTimer()
			}
			ix.Subscribe(subs[i])
			i++
		}
		b.StopTimer()
		for _, s := range subs[:i] {
			ix.Unsubscribe(s.Client, s.Group, s.Filter)
		}
	})
	b.Run("replace", func(b *testing.B) {
		b.ReportAllocs()
		s := Sub{Client: "c7", Filter: "site/7/dev/7/temp"}
		for b.Loop() {
			s.QoS ^= 1
			ix.Subscribe(s)
		}
	})
	b.Run("subscribe-unsubscribe", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s := subs[i&(n-1)]
			ix.Subscribe(s)
			ix.Unsubscribe(s.Client, s.Group, s.Filter)
			i++
		}
	})
}
