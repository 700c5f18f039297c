// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import "sync"

// idLocks is a mutex per key (a client identifier), held by few goroutines
// at a time: an entry exists only while someone holds or waits for it.
// The zero value is ready to use.
type idLocks struct {
	mu sync.Mutex
	m  map[string]*idLock
}

// idLock is one key's mutex and the number of its holders and waiters.
type idLock struct {
	mu   sync.Mutex
	refs int
}

// idLockPool keeps a CONNECT from allocating its idLock.
var idLockPool = sync.Pool{New: func() any { return new(idLock) }}

// lock locks key's mutex and returns it for unlock.
func (l *idLocks) lock(key string) *idLock {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*idLock)
	}
	k := l.m[key]
	if k == nil {
		k = idLockPool.Get().(*idLock)
		l.m[key] = k
	}
	k.refs++
	l.mu.Unlock()
	k.mu.Lock()
	return k
}

// unlock unlocks k, which lock(key) returned.
func (l *idLocks) unlock(key string, k *idLock) {
	k.mu.Unlock()
	l.mu.Lock()
	free := false
	if k.refs--; k.refs == 0 {
		delete(l.m, key)
		free = true // nobody else has k now
	}
	l.mu.Unlock()
	if free {
		idLockPool.Put(k)
	}
}
