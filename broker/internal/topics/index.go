// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import (
	"cmp"
	"slices"
	"sync"
)

// Sub is one subscription held in the index.
type Sub struct {
	// Client is the client identifier, the key of the session holding
	// the subscription.
	Client string
	// Filter is the topic filter without any $share/{Group}/ prefix.
	Filter string
	// Group is the shared subscription's ShareName, or "" when the
	// subscription is not shared.
	Group string
	// QoS is the maximum QoS granted to the subscription.
	QoS byte
	// NoLocal asks that messages are not forwarded to the connection that
	// published them.
	NoLocal bool
	// RetainAsPublished asks that forwarded messages keep the RETAIN flag
	// they were published with.
	RetainAsPublished bool
	// RetainHandling says whether retained messages are sent when the
	// subscription is made (0, 1 or 2).
	RetainHandling byte
	// Identifier is the Subscription Identifier, 0 when there is none.
	Identifier uint32
	// CheckReads marks a subscription whose filter also matches topics
	// the client may not read: each message is delivered through it only
	// if the client may read its topic.
	CheckReads bool
}

// FullFilter returns the filter the subscription was made with: Filter,
// with its $share/{Group}/ prefix when shared.
func (s *Sub) FullFilter() string {
	if s.Group == "" {
		return s.Filter
	}
	return "$share/" + s.Group + "/" + s.Filter
}

// Matches is the result of a match: the plain subscriptions that match, and
// the shared groups with at least one member whose filter matches.
type Matches struct {
	// Subs are the matching non-shared subscriptions. One client appears
	// once per matching filter it holds; the broker merges overlaps.
	Subs []Sub
	// Shared lists one entry per matching (Group, Filter) pair.
	Shared []SharedGroup
}

// SharedGroup is one shared subscription that matched: every member of the
// group for that filter. The broker delivers to one member of its choosing.
type SharedGroup struct {
	// Group is the ShareName.
	Group string
	// Filter is the topic filter without the $share/{Group}/ prefix.
	Filter string
	// Members are the subscriptions of the sessions in the group.
	Members []Sub
}

// subKey names one subscription of a client.
type subKey struct{ group, filter string }

// Index is a concurrency-safe subscription index. The zero value is not
// usable; create one with [New].
type Index struct {
	mu      sync.RWMutex                // guards every field below
	root    *node                       // the trie; root itself holds no subscriptions
	clients map[string]map[subKey]*node // client → its subscriptions and their nodes
	count   int                         // subscriptions held
	gen     uint64                      // bumped on every change; stamps cache entries
	cache   matchCache
}

// New returns an empty index.
func New() *Index {
	return &Index{
		root:    &node{},
		clients: make(map[string]map[subKey]*node),
		cache:   newMatchCache(defaultCacheEntries, defaultCacheSubs),
	}
}

// Subscribe adds s, or replaces the subscription with the same Client,
// Group and Filter; it reports whether one existed before.
func (ix *Index) Subscribe(s Sub) (existed bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.gen++
	n := lookup(ix.root, s.Filter, true)
	if s.Group == "" {
		existed = n.plain.put(s)
	} else {
		g := n.group(s.Group)
		if g == nil {
			g = &group{name: s.Group, filter: s.Filter}
			n.groups = append(n.groups, g)
		}
		existed = g.members.put(s)
	}
	if !existed {
		ix.count++
		subs := ix.clients[s.Client]
		if subs == nil {
			subs = make(map[subKey]*node)
			ix.clients[s.Client] = subs
		}
		subs[subKey{s.Group, s.Filter}] = n
	}
	return existed
}

// Has reports whether client has a subscription to filter in group (""
// for a non-shared subscription).
func (ix *Index) Has(client, group, filter string) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.clients[client][subKey{group, filter}]
	return ok
}

// Unsubscribe removes the subscription of client to filter in group ("" for
// a non-shared subscription) and reports whether it existed.
func (ix *Index) Unsubscribe(client, group, filter string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	subs := ix.clients[client]
	k := subKey{group, filter}
	n, ok := subs[k]
	if !ok {
		return false
	}
	ix.gen++
	ix.removeLocked(client, k, n)
	delete(subs, k)
	if len(subs) == 0 {
		delete(ix.clients, client)
	}
	return true
}

// RemoveClient removes every subscription of client, as when its session
// ends, and returns how many there were.
func (ix *Index) RemoveClient(client string) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	subs := ix.clients[client]
	if len(subs) == 0 {
		return 0
	}
	ix.gen++
	for k, n := range subs {
		ix.removeLocked(client, k, n)
	}
	delete(ix.clients, client)
	return len(subs)
}

// removeLocked removes client's subscription k held at n and prunes the
// trie. The caller holds ix.mu for writing and updates ix.clients.
func (ix *Index) removeLocked(client string, k subKey, n *node) {
	if k.group == "" {
		n.plain.remove(client)
	} else if g := n.group(k.group); g != nil {
		g.members.remove(client)
		if g.members.len() == 0 {
			n.removeGroup(g)
		}
	}
	ix.count--
	prune(n)
}

// Count reports the number of subscriptions held, shared ones included.
func (ix *Index) Count() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.count
}

// Subscriptions returns a copy of client's subscriptions, sorted by Filter
// and then Group, or nil when it has none.
func (ix *Index) Subscriptions(client string) []Sub {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	subs := ix.clients[client]
	if len(subs) == 0 {
		return nil
	}
	out := make([]Sub, 0, len(subs))
	for k, n := range subs {
		l := &n.plain
		if k.group != "" {
			l = &n.group(k.group).members
		}
		out = append(out, l.subs[l.find(client)])
	}
	slices.SortFunc(out, func(a, b Sub) int {
		return cmp.Or(cmp.Compare(a.Filter, b.Filter), cmp.Compare(a.Group, b.Group))
	})
	return out
}

// nodes returns the number of trie nodes, for tests.
func (ix *Index) nodes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return countNodes(ix.root)
}
