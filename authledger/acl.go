// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"strings"

	"github.com/wrenmq/wrenmq/broker"
)

// entry is one (filter, access) pair that applies to a client, in the order
// the ledger gives them: rules in document order, and inside a rule its
// filters in document order. The first entry whose filter matches a topic
// decides that topic.
type entry struct {
	levels []string
	access Access
	// any marks an entry that matches every topic, '$' topics included; it
	// stands for a non-granting filter whose placeholder could not be filled.
	any bool
}

// safePlaceholder reports whether v may be put into a filter: a value that
// is empty, holds a wildcard or a level separator would change the shape of
// the filter (a user named "#" must not be granted "users/#").
func safePlaceholder(v string) bool {
	return v != "" && !strings.ContainsAny(v, "+#/\x00")
}

// entries lists the ACL entries that apply to a client, for the access
// want. An entry whose placeholder value is unsafe is dropped if it would
// grant want (it never matches) and widened if it would not (it then denies
// every topic below the levels before the placeholder), so an odd client id
// or user name can only ever narrow what the client may do.
func (l *Ledger) entries(id identity, want Access) []entry {
	var out []entry
	clientID, username := id.clientID, id.username
	cOK, uOK := safePlaceholder(clientID), safePlaceholder(username)
	c := l.aclIndex.candidates(id)
	for i, ok := c.next(); ok; i, ok = c.next() {
		r := &l.acl[i]
		if !r.who.match(id) {
			continue
		}
		for j := range r.filters {
			f := &r.filters[j]
			if f.phLevel < 0 {
				out = append(out, entry{levels: f.levels, access: f.access})
				continue
			}
			usesC := strings.Contains(f.raw, "%c")
			usesU := strings.Contains(f.raw, "%u")
			if (!usesC || cOK) && (!usesU || uOK) {
				levels := make([]string, len(f.rawLevels))
				for k, lv := range f.rawLevels {
					levels[k], _, _ = expandLevel(lv, clientID, username)
				}
				out = append(out, entry{levels: levels, access: f.access})
				continue
			}
			if f.access.allows(want) {
				continue // a grant that cannot be filled in safely grants nothing
			}
			if f.phLevel == 0 {
				out = append(out, entry{any: true, access: f.access})
				continue
			}
			widened := append(append([]string(nil), f.levels[:f.phLevel]...), "#")
			out = append(out, entry{levels: widened, access: f.access})
		}
	}
	return out
}

// canPublish reports whether the entries let a client publish to topic.
func canPublish(entries []entry, dflt Access, topic string) bool {
	return topicAllows(entries, dflt, topic, Write)
}

// canRead reports whether the entries let a client read the topic name
// topic: the broker's check of each delivery through a subscription
// readable only in part. It decides what canSubscribe decides for a
// filter without wildcards, by the first entry matching, without a search.
func canRead(entries []entry, dflt Access, topic string) bool {
	return topicAllows(entries, dflt, topic, Read)
}

// topicAllows reports whether the first entry whose filter matches the
// topic name (or the default) allows want.
func topicAllows(entries []entry, dflt Access, topic string, want Access) bool {
	if validTopicName(topic) != nil {
		return false
	}
	levels := strings.Split(topic, "/")
	for i := range entries {
		e := &entries[i]
		if e.any || matchLevels(e.levels, levels) {
			return e.access.allows(want)
		}
	}
	return dflt.allows(want)
}

// subscribeScope decides a subscription to filter (possibly
// "$share/group/filter"): ReadAll when every topic it could deliver is
// readable under the entries, ReadSome when only some are, ReadNone when
// none is or the filter is invalid.
func subscribeScope(entries []entry, dflt Access, filter string) broker.ReadScope {
	f, _, err := splitShared(filter)
	if err != nil || validFilter(f) != nil {
		return broker.ReadNone
	}
	levels := strings.Split(f, "/")
	switch {
	case everyTopicReadable(entries, dflt, levels):
		return broker.ReadAll
	case someTopicReadable(entries, dflt, levels):
		return broker.ReadSome
	}
	return broker.ReadNone
}

// canSubscribe reports whether a client may subscribe to filter (possibly
// "$share/group/filter"): true only if every topic the filter could deliver
// is readable under the entries.
func canSubscribe(entries []entry, dflt Access, filter string) bool {
	f, _, err := splitShared(filter)
	if err != nil || validFilter(f) != nil {
		return false
	}
	return everyTopicReadable(entries, dflt, strings.Split(f, "/"))
}
