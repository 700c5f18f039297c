// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package topics

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnsubscribeFreesNodes checks that churn leaves no dead branches: after
// every subscription is gone the trie is back to its bare root.
func TestUnsubscribeFreesNodes(t *testing.T) {
	levels := []string{"a", "b", "", "+", "$x"}
	r := rand.New(rand.NewPCG(3, 4))
	var subs []Sub
	for i := range 500 {
		f := levels[r.IntN(len(levels))]
		for range r.IntN(4) {
			f += "/" + levels[r.IntN(len(levels))]
		}
		if r.IntN(3) == 0 {
			f += "/#"
		}
		s := Sub{Client: "c" + strconv.Itoa(i%20), Filter: f}
		if r.IntN(4) == 0 {
			s.Group = "g"
		}
		subs = append(subs, s)
	}

	tests := []struct {
		name   string
		remove func(ix *Index)
	}{
		{"Unsubscribe", func(ix *Index) {
			for _, s := range subs {
				ix.Unsubscribe(s.Client, s.Group, s.Filter)
			}
		}},
		{"RemoveClient", func(ix *Index) {
			for i := range 20 {
				ix.RemoveClient("c" + strconv.Itoa(i))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := New()
			for _, s := range subs {
				ix.Subscribe(s)
			}
			require.NotZero(t, ix.nodes())
			tc.remove(ix)
			assert.Zero(t, ix.Count())
			assert.Zero(t, ix.nodes())
			assert.Empty(t, ix.clients)
			assert.Nil(t, ix.root.children)
		})
	}
}

func TestUnsubscribeKeepsSharedPrefix(t *testing.T) {
	ix := New()
	ix.Subscribe(Sub{Client: "c", Filter: "a/b/c"})
	ix.Subscribe(Sub{Client: "c", Filter: "a/b"})
	require.Equal(t, 3, ix.nodes())
	ix.Unsubscribe("c", "", "a/b/c")
	assert.Equal(t, 2, ix.nodes(), "a/b still holds a subscription")
	assert.Len(t, ix.Match("a/b").Subs, 1)
}

func TestSubListIndexedPath(t *testing.T) {
	var l subList
	for i := range 100 {
		assert.False(t, l.put(Sub{Client: strconv.Itoa(i)}))
	}
	require.NotNil(t, l.pos)
	assert.True(t, l.put(Sub{Client: "42", QoS: 1}))
	assert.Equal(t, byte(1), l.subs[l.find("42")].QoS)
	for i := range 100 {
		require.True(t, l.remove(strconv.Itoa(i)))
		for j := i + 1; j < 100; j++ {
			require.Equal(t, strconv.Itoa(j), l.subs[l.find(strconv.Itoa(j))].Client)
		}
	}
	assert.Nil(t, l.subs)
	assert.Nil(t, l.pos)
}

func TestCacheBounds(t *testing.T) {
	ix := New()
	ix.cache = newMatchCache(64, 1024)
	for i := range 100 {
		ix.Subscribe(Sub{Client: "c" + strconv.Itoa(i), Filter: "a/#"})
	}
	for i := range 1000 {
		ix.Match("a/" + strconv.Itoa(i))
		require.LessOrEqual(t, len(ix.cache.entries), 64)
		require.LessOrEqual(t, ix.cache.subs, 1024)
	}

	// A result too large for the budget is computed but not cached.
	for i := range 200 {
		ix.Subscribe(Sub{Client: "d" + strconv.Itoa(i), Filter: "a/+"})
	}
	assert.Len(t, ix.Match("a/x").Subs, 300)
	assert.NotSame(t, ix.Match("a/x"), ix.Match("a/x"))

	// Stale entries go first when room is needed.
	ix.cache = newMatchCache(8, 1024)
	ix.Match("b/1")
	ix.Subscribe(Sub{Client: "e", Filter: "b/2"})
	for i := range 8 {
		ix.Match("b/" + strconv.Itoa(i+2))
	}
	_, ok := ix.cache.entries["b/1"]
	assert.False(t, ok)
}
