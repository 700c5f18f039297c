// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"strings"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// retainedStore holds the retained message of each topic. Exact filters
// are a map lookup; wildcard filters scan the store.
type retainedStore struct {
	mu    sync.RWMutex // guards msgs and bytes
	msgs  map[string]*message
	bytes int // sum of the messages' sizes
}

func newRetainedStore() *retainedStore {
	return &retainedStore{msgs: make(map[string]*message)}
}

// set stores m as the retained message of its topic; it reports false when
// the store is full and the topic is new.
func (r *retainedStore) set(m *message, max, maxBytes int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.msgs[m.pub.Topic]
	if !ok && len(r.msgs) >= max {
		return false
	}
	grown := r.bytes + m.size
	if ok {
		grown -= old.size
	}
	if grown > maxBytes && (!ok || m.size > old.size) {
		return false
	}
	r.msgs[m.pub.Topic] = m
	r.bytes = grown
	return true
}

// deleteIf removes m if it is still the retained message of its topic.
func (r *retainedStore) deleteIf(m *message) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.msgs[m.pub.Topic] != m {
		return false
	}
	delete(r.msgs, m.pub.Topic)
	r.bytes -= m.size
	return true
}

func (r *retainedStore) delete(topic string) {
	r.mu.Lock()
	if m, ok := r.msgs[topic]; ok {
		r.bytes -= m.size
		delete(r.msgs, topic)
	}
	r.mu.Unlock()
}

func (r *retainedStore) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.msgs)
}

// match returns the unexpired retained messages matching filter; expired
// ones are removed as they are found.
func (r *retainedStore) match(filter string) []*message {
	now := time.Now()
	var out, expired []*message
	r.mu.RLock()
	if !strings.ContainsAny(filter, "+#") {
		if m := r.msgs[filter]; m != nil {
			out = append(out, m)
		}
	} else {
		for topic, m := range r.msgs {
			if codec.MatchTopic(filter, topic) {
				out = append(out, m)
			}
		}
	}
	r.mu.RUnlock()
	kept := out[:0]
	for _, m := range out {
		if m.expired(now) {
			expired = append(expired, m)
			continue
		}
		kept = append(kept, m)
	}
	if len(expired) > 0 {
		r.mu.Lock()
		for _, m := range expired {
			if r.msgs[m.pub.Topic] == m {
				delete(r.msgs, m.pub.Topic)
				r.bytes -= m.size
			}
		}
		r.mu.Unlock()
	}
	return kept
}
