// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import "strings"

// node is one topic level of the trie. The path from the root to a node
// spells a topic filter; the node holds the subscriptions to that filter.
type node struct {
	parent   *node
	level    string // the level under parent: "+", "#" or a literal
	children map[string]*node
	plus     *node // the '+' child
	hash     *node // the '#' child
	plain    subList
	groups   []*group // shared subscriptions to this filter, one per group name
}

// group is a shared subscription: the sessions subscribed to one
// $share/{Group}/{Filter}.
type group struct {
	name    string
	filter  string
	members subList
}

// empty reports whether n holds nothing and can be unlinked.
func (n *node) empty() bool {
	return n.plain.len() == 0 && len(n.groups) == 0 &&
		len(n.children) == 0 && n.plus == nil && n.hash == nil
}

// child returns the child of n for level, creating it when create is set.
func (n *node) child(level string, create bool) *node {
	var c *node
	switch level {
	case "+":
		c = n.plus
	case "#":
		c = n.hash
	default:
		c = n.children[level]
	}
	if c != nil || !create {
		return c
	}
	// Clone the level: it is a substring of one subscriber's filter and the
	// node may outlive that subscription.
	c = &node{parent: n, level: strings.Clone(level)}
	switch level {
	case "+":
		n.plus = c
	case "#":
		n.hash = c
	default:
		if n.children == nil {
			n.children = make(map[string]*node)
		}
		n.children[c.level] = c
	}
	return c
}

// unlink removes n from its parent.
func (n *node) unlink() {
	p := n.parent
	switch n.level {
	case "+":
		p.plus = nil
	case "#":
		p.hash = nil
	default:
		delete(p.children, n.level)
		if len(p.children) == 0 {
			p.children = nil // a map never shrinks; drop it instead
		}
	}
	n.parent = nil
}

// group returns the shared group called name at n, or nil.
func (n *node) group(name string) *group {
	for _, g := range n.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// removeGroup drops the (now empty) group g from n.
func (n *node) removeGroup(g *group) {
	for i, x := range n.groups {
		if x == g {
			last := len(n.groups) - 1
			n.groups[i] = n.groups[last]
			n.groups[last] = nil
			n.groups = n.groups[:last]
			break
		}
	}
	if len(n.groups) == 0 {
		n.groups = nil
	}
}

// lookup walks filter level by level from root and returns its node; with
// create set it builds missing nodes, otherwise it returns nil for an
// unknown filter.
func lookup(root *node, filter string, create bool) *node {
	n := root
	for rest := filter; ; {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return n.child(rest, create)
		}
		if n = n.child(rest[:i], create); n == nil {
			return nil
		}
		rest = rest[i+1:]
	}
}

// prune unlinks n and then each ancestor that becomes empty, so that the
// trie does not keep dead branches after unsubscribes.
func prune(n *node) {
	for n.parent != nil && n.empty() {
		p := n.parent
		n.unlink()
		n = p
	}
}

// walk appends to hits every node whose filter matches the remaining topic
// levels rest, starting below n. more is false when the topic has no levels
// left, which is not the same as an empty remaining level ("a/" has two
// levels, the second one empty).
func walk(n *node, rest string, more bool, hits []*node) []*node {
	// '#' matches the parent level and any number of children, so a '#'
	// child matches whether or not levels remain ("sport/#" matches
	// "sport") [MQTT-4.7.1-1].
	if n.hash != nil {
		hits = append(hits, n.hash)
	}
	if !more {
		return append(hits, n)
	}
	level, next, nextMore := rest, "", false
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		level, next, nextMore = rest[:i], rest[i+1:], true
	}
	if c := n.children[level]; c != nil {
		hits = walk(c, next, nextMore, hits)
	}
	// '+' matches exactly one whole level, empty ones included
	// [MQTT-4.7.1-2].
	if n.plus != nil {
		hits = walk(n.plus, next, nextMore, hits)
	}
	return hits
}

// matchNodes returns the nodes whose filters match topic.
func matchNodes(root *node, topic string, hits []*node) []*node {
	level, next, more := topic, "", false
	if i := strings.IndexByte(topic, '/'); i >= 0 {
		level, next, more = topic[:i], topic[i+1:], true
	}
	if c := root.children[level]; c != nil {
		hits = walk(c, next, more, hits)
	}
	// Filters starting with a wildcard never match topic names starting
	// with '$' [MQTT-4.7.2-1].
	if strings.HasPrefix(topic, "$") {
		return hits
	}
	if root.hash != nil {
		hits = append(hits, root.hash)
	}
	if root.plus != nil {
		hits = walk(root.plus, next, more, hits)
	}
	return hits
}

// countNodes returns the number of nodes below n, for tests and metrics.
func countNodes(n *node) int {
	c := 0
	for _, ch := range n.children {
		c += 1 + countNodes(ch)
	}
	if n.plus != nil {
		c += 1 + countNodes(n.plus)
	}
	if n.hash != nil {
		c += 1 + countNodes(n.hash)
	}
	return c
}
