// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker/internal/topics"
)

func TestSubscribeReplaces(t *testing.T) {
	tests := []struct {
		name        string
		first, then topics.Sub
		existed     bool
		count       int
	}{
		{
			name:    "same client and filter replaces options",
			first:   topics.Sub{Client: "c", Filter: "a/+", QoS: 0},
			then:    topics.Sub{Client: "c", Filter: "a/+", QoS: 2, NoLocal: true, Identifier: 7},
			existed: true, count: 1,
		},
		{
			name:    "same shared group replaces",
			first:   topics.Sub{Client: "c", Group: "g", Filter: "a/+", QoS: 0},
			then:    topics.Sub{Client: "c", Group: "g", Filter: "a/+", QoS: 1},
			existed: true, count: 1,
		},
		{
			name:  "shared and plain are distinct",
			first: topics.Sub{Client: "c", Filter: "a/+"},
			then:  topics.Sub{Client: "c", Group: "g", Filter: "a/+"},
			count: 2,
		},
		{
			name:  "other group is distinct",
			first: topics.Sub{Client: "c", Group: "g1", Filter: "a/+"},
			then:  topics.Sub{Client: "c", Group: "g2", Filter: "a/+"},
			count: 2,
		},
		{
			name:  "other client is distinct",
			first: topics.Sub{Client: "c1", Filter: "a/+"},
			then:  topics.Sub{Client: "c2", Filter: "a/+"},
			count: 2,
		},
		{
			name:  "overlapping filter is distinct",
			first: topics.Sub{Client: "c", Filter: "a/+"},
			then:  topics.Sub{Client: "c", Filter: "a/#"},
			count: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := topics.New()
			require.False(t, ix.Subscribe(tc.first))
			assert.Equal(t, tc.existed, ix.Subscribe(tc.then))
			assert.Equal(t, tc.count, ix.Count())
			got := ix.Subscriptions(tc.then.Client)
			assert.Contains(t, got, tc.then)
			if tc.existed {
				assert.Equal(t, []topics.Sub{tc.then}, got)
			}
		})
	}
}

func TestUnsubscribe(t *testing.T) {
	ix := topics.New()
	ix.Subscribe(topics.Sub{Client: "c", Filter: "a/b"})
	ix.Subscribe(topics.Sub{Client: "c", Group: "g", Filter: "a/b"})

	assert.False(t, ix.Unsubscribe("other", "", "a/b"))
	assert.False(t, ix.Unsubscribe("c", "", "a/+"))
	assert.False(t, ix.Unsubscribe("c", "h", "a/b"))
	assert.Equal(t, 2, ix.Count())

	assert.True(t, ix.Unsubscribe("c", "", "a/b"))
	assert.False(t, ix.Unsubscribe("c", "", "a/b"))
	assert.Equal(t, 1, ix.Count())
	got := ix.Match("a/b")
	assert.Empty(t, got.Subs)
	require.Len(t, got.Shared, 1)

	assert.True(t, ix.Unsubscribe("c", "g", "a/b"))
	assert.Equal(t, 0, ix.Count())
	assert.Nil(t, ix.Subscriptions("c"))
}

func TestSubscriptionsAndRemoveClient(t *testing.T) {
	ix := topics.New()
	mine := []topics.Sub{
		{Client: "c", Filter: "a/#", QoS: 1},
		{Client: "c", Filter: "a/+", Identifier: 3},
		{Client: "c", Group: "g", Filter: "a/+"},
		{Client: "c", Filter: "b"},
	}
	for _, s := range mine {
		ix.Subscribe(s)
	}
	// Many other subscribers of the same filters, so that removal goes
	// through the indexed path of busy filters too.
	for i := range 40 {
		ix.Subscribe(topics.Sub{Client: "o" + strconv.Itoa(i), Filter: "a/+"})
		ix.Subscribe(topics.Sub{Client: "o" + strconv.Itoa(i), Group: "g", Filter: "a/+"})
	}

	assert.Equal(t, mine, ix.Subscriptions("c"), "sorted by filter, then group")
	assert.Nil(t, ix.Subscriptions("nobody"))

	assert.Equal(t, 4, ix.RemoveClient("c"))
	assert.Equal(t, 0, ix.RemoveClient("c"))
	assert.Nil(t, ix.Subscriptions("c"))
	assert.Equal(t, 80, ix.Count())
	got := ix.Match("a/x")
	assert.Len(t, got.Subs, 40)
	require.Len(t, got.Shared, 1)
	assert.Len(t, got.Shared[0].Members, 40)
	for _, s := range got.Subs {
		assert.NotEqual(t, "c", s.Client)
	}
	assert.Empty(t, ix.Match("b").Subs)
}

func TestMatchCacheInvalidation(t *testing.T) {
	ix := topics.New()
	assert.Empty(t, ix.Match("a/b").Subs)

	ix.Subscribe(topics.Sub{Client: "c", Filter: "a/+"})
	first := ix.Match("a/b")
	assert.Equal(t, []string{"a/+"}, filters(first.Subs))
	assert.Same(t, first, ix.Match("a/b"), "a repeated match is served from the cache")

	// Replacing options must show, not the cached copy.
	ix.Subscribe(topics.Sub{Client: "c", Filter: "a/+", QoS: 2})
	assert.Equal(t, byte(2), ix.Match("a/b").Subs[0].QoS)

	ix.Subscribe(topics.Sub{Client: "d", Group: "g", Filter: "#"})
	assert.Len(t, ix.Match("a/b").Shared, 1)

	ix.Unsubscribe("c", "", "a/+")
	assert.Empty(t, ix.Match("a/b").Subs)

	ix.RemoveClient("d")
	assert.Empty(t, ix.Match("a/b").Shared)

	// A failed unsubscribe changes nothing, so the cache stays valid.
	m := ix.Match("a/b")
	ix.Unsubscribe("nobody", "", "a/+")
	assert.Same(t, m, ix.Match("a/b"))
}

func TestConcurrentMatchAndSubscribe(t *testing.T) {
	ix := topics.New()
	// A stable subscription that every match must see, whatever the
	// churn around it.
	ix.Subscribe(topics.Sub{Client: "stable", Filter: "s/#"})

	const writers, readers, rounds = 2, 4, 300
	var wg sync.WaitGroup
	var missing atomic.Int64
	for w := range writers {
		wg.Go(func() {
			client := "w" + strconv.Itoa(w)
			for i := range rounds {
				f := "s/" + strconv.Itoa(i%7) + "/+"
				ix.Subscribe(topics.Sub{Client: client, Filter: f})
				ix.Subscribe(topics.Sub{Client: client, Group: "g", Filter: "s/#"})
				ix.Unsubscribe(client, "", f)
				if i%10 == 0 {
					ix.RemoveClient(client)
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := range rounds {
				m := ix.Match("s/" + strconv.Itoa((i+r)%7) + "/x")
				found := false
				for _, s := range m.Subs {
					found = found || s.Client == "stable"
				}
				if !found {
					missing.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, missing.Load())
	ix.RemoveClient("w0")
	ix.RemoveClient("w1")
	assert.Equal(t, 1, ix.Count())
}

func TestHas(t *testing.T) {
	ix := topics.New()
	ix.Subscribe(topics.Sub{Client: "c", Filter: "a/+"})
	ix.Subscribe(topics.Sub{Client: "c", Group: "g", Filter: "a/b"})
	require.True(t, ix.Has("c", "", "a/+"))
	require.True(t, ix.Has("c", "g", "a/b"))
	require.False(t, ix.Has("c", "", "a/b"), "shared and plain subscriptions are distinct")
	require.False(t, ix.Has("d", "", "a/+"))
	ix.Unsubscribe("c", "", "a/+")
	require.False(t, ix.Has("c", "", "a/+"))
}
