// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import "strings"

const (
	// defaultCacheEntries bounds the number of cached topics.
	defaultCacheEntries = 4096
	// defaultCacheSubs bounds the Subs held by all cached results
	// together (about 4 MiB), so a cache of popular topics matched by
	// thousands of subscribers cannot grow without limit.
	defaultCacheSubs = 1 << 16
	// maxCachedTopic is the longest topic name worth caching; longer
	// ones would let one client fill memory with 64 KiB keys.
	maxCachedTopic = 1024
)

// cacheEntry is one cached match, valid while the index generation equals
// gen.
type cacheEntry struct {
	gen  uint64
	m    *Matches
	size int // Subs held by m, counted against maxSubs
}

// matchCache maps topic names to match results. It is guarded by Index.mu:
// get needs the read lock, put the write lock.
type matchCache struct {
	entries    map[string]cacheEntry
	maxEntries int
	maxSubs    int
	subs       int // sum of size over entries
}

func newMatchCache(maxEntries, maxSubs int) matchCache {
	return matchCache{
		entries:    make(map[string]cacheEntry),
		maxEntries: maxEntries,
		maxSubs:    maxSubs,
	}
}

// get returns the cached result for topic if it was computed at
// generation gen, or nil.
func (c *matchCache) get(topic string, gen uint64) *Matches {
	if e, ok := c.entries[topic]; ok && e.gen == gen {
		return e.m
	}
	return nil
}

// admits reports whether a result of size Subs for topic may be cached. It
// reads only fields fixed at construction, so it needs no lock.
func (c *matchCache) admits(topic string, size int) bool {
	return c.maxEntries > 0 && len(topic) <= maxCachedTopic && size <= c.maxSubs/8
}

// put caches m for topic at generation gen, evicting entries when full.
func (c *matchCache) put(topic string, gen uint64, m *Matches, size int) {
	if old, ok := c.entries[topic]; ok {
		c.subs -= old.size
		c.entries[topic] = cacheEntry{gen: gen, m: m, size: size}
		c.subs += size
		return
	}
	if len(c.entries)+1 > c.maxEntries || c.subs+size > c.maxSubs {
		c.evict(gen)
	}
	// Clone the key: topic may be a substring of a larger packet string
	// that the cache must not keep alive.
	c.entries[strings.Clone(topic)] = cacheEntry{gen: gen, m: m, size: size}
	c.subs += size
}

// evict drops every stale entry, then random current ones (map iteration
// order is random) until the cache is at 7/8 of its bounds, so that the
// next inserts do not each pay for an eviction.
func (c *matchCache) evict(gen uint64) {
	maxEntries, maxSubs := c.maxEntries*7/8, c.maxSubs*7/8
	for k, e := range c.entries {
		if e.gen == gen && len(c.entries) <= maxEntries && c.subs <= maxSubs {
			continue
		}
		delete(c.entries, k)
		c.subs -= e.size
	}
}
