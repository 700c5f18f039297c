// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import "sync"

// noMatches is the result for a topic nobody subscribes to; sharing it keeps
// such matches, cached or not, from allocating a result.
var noMatches = &Matches{}

// scratch is a reusable list of matched nodes for one Match call.
type scratch struct{ hits []*node }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxScratch bounds the capacity a pooled scratch keeps, so one topic that
// matched an unusual number of filters does not pin memory in the pool.
const maxScratch = 1024

// Match returns every subscription whose filter matches topic, a topic name
// (no wildcards, already validated). The result is shared and read-only: it
// may come from the cache and be handed to other callers, so callers must
// not modify it or the slices it holds. Match never returns nil.
//
// Matching compares levels byte for byte, without normalisation
// [MQTT-4.7.3-4].
func (ix *Index) Match(topic string) *Matches {
	ix.mu.RLock()
	if m := ix.cache.get(topic, ix.gen); m != nil {
		ix.mu.RUnlock()
		return m
	}
	gen := ix.gen
	m, size := ix.matchLocked(topic)
	ix.mu.RUnlock()

	if ix.cache.admits(topic, size) {
		ix.mu.Lock()
		// A change in between makes m stale for the cache, though it was
		// a correct answer when the read lock was held.
		if ix.gen == gen {
			ix.cache.put(topic, gen, m, size)
		}
		ix.mu.Unlock()
	}
	return m
}

// matchLocked computes the result for topic and its size in Subs (plain
// subscriptions plus shared members). The caller holds ix.mu.
func (ix *Index) matchLocked(topic string) (*Matches, int) {
	sc := scratchPool.Get().(*scratch)
	hits := matchNodes(ix.root, topic, sc.hits[:0])

	nPlain, nMembers, nGroups := 0, 0, 0
	for _, n := range hits {
		nPlain += n.plain.len()
		nGroups += len(n.groups)
		for _, g := range n.groups {
			nMembers += g.members.len()
		}
	}

	m := noMatches
	if nPlain+nGroups > 0 {
		// One backing array for plain subscriptions and group members;
		// full slice expressions keep an append by one reader from
		// writing into another's elements.
		all := make([]Sub, 0, nPlain+nMembers)
		for _, n := range hits {
			all = append(all, n.plain.subs...)
		}
		m = &Matches{}
		if nPlain > 0 {
			m.Subs = all[:nPlain:nPlain]
		}
		if nGroups > 0 {
			m.Shared = make([]SharedGroup, 0, nGroups)
			for _, n := range hits {
				for _, g := range n.groups {
					start := len(all)
					all = append(all, g.members.subs...)
					m.Shared = append(m.Shared, SharedGroup{
						Group:   g.name,
						Filter:  g.filter,
						Members: all[start:len(all):len(all)],
					})
				}
			}
		}
	}

	clear(hits) // do not keep nodes reachable from the pool
	if cap(hits) <= maxScratch {
		sc.hits = hits[:0]
		scratchPool.Put(sc)
	}
	return m, nPlain + nMembers
}
