// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package topics is the broker's subscription index: it stores topic
// filters and answers which subscriptions match a published topic name.
//
// Filters are kept in a trie of topic levels. Each node has a map of literal
// children and dedicated children for the '+' and '#' wildcards, so a match
// walks at most two branches per topic level plus one '#' lookup per node.
// The index stores filters that the caller has already validated (section
// 4.7 of the MQTT v5 specification); it does not validate them again.
//
// # Concurrency
//
// An [Index] is safe for concurrent use. One sync.RWMutex (Index.mu) guards
// the trie, the per-client table, the generation counter and the match
// cache; it is the only lock in the package, so there is no lock order to
// respect. No lock is held while calling out of the package.
//
// Match takes the read lock only on a cache hit. Every Subscribe,
// Unsubscribe and RemoveClient bumps a generation counter, which makes every
// cached result stale without touching the cache; stale entries are evicted
// lazily when the cache needs room.
package topics
