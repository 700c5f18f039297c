// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"strings"
	"sync"
	"time"
	"unsafe"
)

// retainedStore holds the retained message of each topic in a tree of
// topic levels, so that a filter visits only the branches it can match:
// "devices/42/#" costs the messages below devices/42, not a scan of every
// retained topic, and a filter that matches nothing stops at the first
// missing level.
type retainedStore struct {
	mu    sync.RWMutex // guards everything below
	root  rnode        // the levels before the first '/'; holds no message
	n     int          // retained messages
	bytes int          // sum of the messages' retainedCost
}

// retainedLevelCost is the memory a topic level may add to the tree (a
// node and its place in its parent), counted for every level of every
// retained topic, so that MaxRetainedBytes also bounds the tree: deep
// topics with short levels cost more tree than message.
const retainedLevelCost = 72

// retainedRecordCost is the part of a message record that message.size
// leaves out (it counts 64 bytes, about what a queue entry costs, since
// queues share records); the retained store holds its records alone.
const retainedRecordCost = int(unsafe.Sizeof(message{})) - 64

// retainedCost is what a retained message counts towards MaxRetainedBytes:
// its size, its whole record and its levels of the tree.
func retainedCost(m *message) int {
	return m.size + retainedRecordCost + retainedLevelCost*(strings.Count(m.pub.Topic, "/")+1)
}

// rnode is one topic level of the retained tree.
type rnode struct {
	level string   // this level's name
	msg   *message // the retained message of the topic ending here, or nil
	// src is who published msg: a client's connection (as restored from
	// storage after a restart), or nil for the server's own messages
	// (inline client, wills) and ones stored by earlier builds.
	src  *ClientInfo
	kids []*rnode
	// index finds kids by level once there are more than smallKids of them;
	// a short slice is smaller and as fast below that.
	index map[string]*rnode
}

// smallKids is the number of children a node looks up by scanning.
const smallKids = 8

func newRetainedStore() *retainedStore { return &retainedStore{} }

func (n *rnode) child(level string) *rnode {
	if n.index != nil {
		return n.index[level]
	}
	for _, k := range n.kids {
		if k.level == level {
			return k
		}
	}
	return nil
}

func (n *rnode) addChild(level string) *rnode {
	// Clone the level: it is a substring of one message's topic, and the
	// node may outlive that message.
	k := &rnode{level: strings.Clone(level)}
	n.kids = append(n.kids, k)
	switch {
	case n.index != nil:
		n.index[level] = k
	case len(n.kids) > smallKids:
		n.index = make(map[string]*rnode, len(n.kids))
		for _, c := range n.kids {
			n.index[c.level] = c
		}
	}
	return k
}

func (n *rnode) removeChild(k *rnode) {
	for i, c := range n.kids {
		if c == k {
			last := len(n.kids) - 1
			n.kids[i] = n.kids[last]
			n.kids[last] = nil
			n.kids = n.kids[:last]
			break
		}
	}
	if n.index != nil {
		delete(n.index, k.level)
		if len(n.kids) <= smallKids/2 {
			n.index = nil
		}
	}
	if len(n.kids) == 0 {
		n.kids = nil
	}
}

// splitLevel returns the first level of a topic or filter, the rest after
// its '/', and whether there was a '/'.
func splitLevel(s string) (level, rest string, more bool) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// node returns the node of topic, creating the missing levels when create
// is set; otherwise it returns nil when there is none.
func (r *retainedStore) node(topic string, create bool) *rnode {
	n := &r.root
	for {
		level, rest, more := splitLevel(topic)
		k := n.child(level)
		if k == nil {
			if !create {
				return nil
			}
			k = n.addChild(level)
		}
		if !more {
			return k
		}
		n, topic = k, rest
	}
}

// set stores m, published by src (nil for the server), as the retained
// message of its topic; it reports false when the store is full and the
// topic is new.
func (r *retainedStore) set(m *message, src *ClientInfo, max, maxBytes int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	var old *message
	if n := r.node(m.pub.Topic, false); n != nil {
		old = n.msg
	}
	if old == nil && r.n >= max {
		return false
	}
	cost := retainedCost(m)
	grown := r.bytes + cost
	if old != nil {
		grown -= retainedCost(old)
	}
	if grown > maxBytes && (old == nil || cost > retainedCost(old)) {
		return false
	}
	n := r.node(m.pub.Topic, true)
	n.msg, n.src = m, src
	if old == nil {
		r.n++
	}
	r.bytes = grown
	return true
}

// removeLocked removes the retained message of topic when it is m (any
// message when m is nil) and prunes the levels left empty. r.mu held.
func (r *retainedStore) removeLocked(topic string, m *message) bool {
	var path [32]*rnode // enough for most topics without allocating
	nodes := append(path[:0], &r.root)
	n := &r.root
	for {
		level, rest, more := splitLevel(topic)
		if n = n.child(level); n == nil {
			return false
		}
		nodes = append(nodes, n)
		if !more {
			break
		}
		topic = rest
	}
	if n.msg == nil || m != nil && n.msg != m {
		return false
	}
	r.n--
	r.bytes -= retainedCost(n.msg)
	n.msg, n.src = nil, nil
	for i := len(nodes) - 1; i > 0 && nodes[i].msg == nil && len(nodes[i].kids) == 0; i-- {
		nodes[i-1].removeChild(nodes[i])
	}
	return true
}

// deleteIf removes m if it is still the retained message of its topic.
func (r *retainedStore) deleteIf(m *message) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.removeLocked(m.pub.Topic, m)
}

// current returns the retained message of topic, or nil.
func (r *retainedStore) current(topic string) *message {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if n := r.node(topic, false); n != nil {
		return n.msg
	}
	return nil
}

func (r *retainedStore) delete(topic string) {
	r.mu.Lock()
	r.removeLocked(topic, nil)
	r.mu.Unlock()
}

func (r *retainedStore) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.n
}

// match returns up to limit unexpired retained messages matching filter;
// expired ones are removed as they are found. The walk stops at the limit,
// so a filter matching much of a large store costs no more than limit.
func (r *retainedStore) match(filter string, limit int) []*message {
	ms, _ := r.matchUpTo(filter, limit)
	return ms
}

// matchUpTo is match, also reporting whether the walk stopped at the
// limit (more messages may match).
func (r *retainedStore) matchUpTo(filter string, limit int) ([]*message, bool) {
	now := time.Now()
	c := collector{limit: limit}
	r.mu.RLock()
	r.root.match(filter, true, &c)
	r.mu.RUnlock()
	full := c.full()
	kept := c.out[:0]
	var expired []*message
	for _, m := range c.out {
		if m.expired(now) {
			expired = append(expired, m)
			continue
		}
		kept = append(kept, m)
	}
	if len(expired) > 0 {
		r.mu.Lock()
		for _, m := range expired {
			r.removeLocked(m.pub.Topic, m)
		}
		r.mu.Unlock()
	}
	return kept, full
}

// sourced is a retained message with the client that published it.
type sourced struct {
	msg *message
	src *ClientInfo
}

// fromClients returns every retained message a client published.
func (r *retainedStore) fromClients() []sourced {
	var out []sourced
	r.mu.RLock()
	r.root.fromClients(&out)
	r.mu.RUnlock()
	return out
}

func (n *rnode) fromClients(out *[]sourced) {
	if n.src != nil {
		*out = append(*out, sourced{n.msg, n.src})
	}
	for _, k := range n.kids {
		k.fromClients(out)
	}
}

// collector gathers the messages of a match, up to a limit.
type collector struct {
	out   []*message
	limit int
}

func (c *collector) add(m *message) {
	if m != nil && len(c.out) < c.limit {
		c.out = append(c.out, m)
	}
}

func (c *collector) full() bool { return len(c.out) >= c.limit }

// match collects the messages below n that filter (the levels of a filter
// after those n's path matched) matches. At the root, wildcards do not
// match levels starting with '$' [MQTT-4.7.2-1].
func (n *rnode) match(filter string, root bool, c *collector) {
	level, rest, more := splitLevel(filter)
	switch level {
	case "#":
		// '#' matches the parent level too: "sport/#" matches "sport"
		// [MQTT-4.7.1-2]; the root is no topic.
		if !root {
			c.add(n.msg)
		}
		for _, k := range n.kids {
			if c.full() {
				return
			}
			if !root || !strings.HasPrefix(k.level, "$") {
				k.all(c)
			}
		}
	case "+":
		for _, k := range n.kids {
			if c.full() {
				return
			}
			if root && strings.HasPrefix(k.level, "$") {
				continue
			}
			k.matchRest(rest, more, c)
		}
	default:
		if k := n.child(level); k != nil {
			k.matchRest(rest, more, c)
		}
	}
}

// matchRest continues a match at n, whose level matched the filter level
// before rest (more: whether the filter goes on).
func (n *rnode) matchRest(rest string, more bool, c *collector) {
	if !more {
		c.add(n.msg)
		return
	}
	n.match(rest, false, c)
}

// all collects every message at and below n.
func (n *rnode) all(c *collector) {
	c.add(n.msg)
	for _, k := range n.kids {
		if c.full() {
			return
		}
		k.all(c)
	}
}
