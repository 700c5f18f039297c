// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// One key's holders take turns, another key is not held up, and no entry
// is left once nobody holds or waits.
func TestIDLocks(t *testing.T) {
	var l idLocks
	a := l.lock("a")
	b := l.lock("b") // another key: does not wait for "a"

	got := make(chan struct{})
	go func() {
		k := l.lock("a")
		close(got)
		l.unlock("a", k)
	}()
	waiting := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.m["a"].refs == 2
	}
	// Until it has registered, and then a while, it must not get in.
	for i := 0; i < 100; i++ {
		select {
		case <-got:
			t.Fatal("a second holder of \"a\" got it while the first held it")
		default:
		}
		if !waiting() {
			i = 0
		}
		runtime.Gosched()
	}
	l.unlock("b", b)
	l.unlock("a", a)
	<-got
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Empty(t, l.m)
}
