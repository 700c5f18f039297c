// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

// indexAbove is the length above which a subList keeps a client→position
// map. Below it a linear scan is cheaper than a map and costs no memory,
// which matters because most filters have a single subscriber.
const indexAbove = 8

// subList holds the subscriptions of distinct clients to one filter (plain
// subscribers of a trie node, or the members of one shared group).
type subList struct {
	subs []Sub
	pos  map[string]int // client → index in subs; nil while len(subs) <= indexAbove
}

func (l *subList) len() int { return len(l.subs) }

// find returns the position of client's subscription, or -1.
func (l *subList) find(client string) int {
	if l.pos != nil {
		if i, ok := l.pos[client]; ok {
			return i
		}
		return -1
	}
	for i := range l.subs {
		if l.subs[i].Client == client {
			return i
		}
	}
	return -1
}

// put adds s, or replaces the subscription of the same client; it reports
// whether one was replaced.
func (l *subList) put(s Sub) (existed bool) {
	if i := l.find(s.Client); i >= 0 {
		l.subs[i] = s
		return true
	}
	l.subs = append(l.subs, s)
	switch {
	case l.pos != nil:
		l.pos[s.Client] = len(l.subs) - 1
	case len(l.subs) > indexAbove:
		l.pos = make(map[string]int, len(l.subs))
		for i := range l.subs {
			l.pos[l.subs[i].Client] = i
		}
	}
	return false
}

// remove deletes client's subscription and reports whether it was present.
// Order is not preserved: the last element moves into the hole.
func (l *subList) remove(client string) bool {
	i := l.find(client)
	if i < 0 {
		return false
	}
	last := len(l.subs) - 1
	if i != last {
		l.subs[i] = l.subs[last]
		if l.pos != nil {
			l.pos[l.subs[i].Client] = i
		}
	}
	l.subs[last] = Sub{} // drop the strings for the garbage collector
	l.subs = l.subs[:last]
	if l.pos != nil {
		delete(l.pos, client)
		if len(l.subs) <= indexAbove/2 {
			l.pos = nil
		}
	}
	// Give memory back after churn: a list that once held many
	// subscribers should not pin its peak capacity forever.
	switch n := len(l.subs); {
	case n == 0:
		l.subs = nil
	case cap(l.subs) > 16 && cap(l.subs) > 4*n:
		l.subs = append(make([]Sub, 0, 2*n), l.subs...)
	}
	return true
}
