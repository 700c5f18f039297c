// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package track stamps load-test payloads with (publisher, sequence number,
// send time) and counts, per group of subscribers that together expect a
// set of messages, exactly which messages arrived, which arrived more than
// once and which never did.
package track

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
)

// HeaderSize is the smallest payload: publisher id (4 bytes), sequence
// number (4 bytes) and send time in Unix nanoseconds (8 bytes), big endian.
const HeaderSize = 16

// Stamp writes the header into payload, which must be at least HeaderSize
// bytes long; the rest of payload is left as it is.
func Stamp(payload []byte, pub, seq uint32, sentUnixNano int64) {
	binary.BigEndian.PutUint32(payload[0:], pub)
	binary.BigEndian.PutUint32(payload[4:], seq)
	binary.BigEndian.PutUint64(payload[8:], uint64(sentUnixNano))
}

// Read returns the header of payload; ok is false when payload is shorter
// than HeaderSize.
func Read(payload []byte) (pub, seq uint32, sentUnixNano int64, ok bool) {
	if len(payload) < HeaderSize {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint32(payload[0:]), binary.BigEndian.Uint32(payload[4:]),
		int64(binary.BigEndian.Uint64(payload[8:])), true
}

// Group counts the messages expected by one subscriber or by the members
// of a shared subscription together: every sequence number 0..perPub-1 of
// each expected publisher, once. Record may be called from several
// goroutines.
type Group struct {
	perPub int
	counts [][]atomic.Uint32 // by publisher id; nil for publishers not expected
	npubs  int
}

// NewGroup returns a group expecting perPub messages from each publisher
// in pubs; publisher ids must be below maxPub.
func NewGroup(pubs []uint32, perPub int, maxPub int) *Group {
	g := &Group{perPub: perPub, counts: make([][]atomic.Uint32, maxPub)}
	for _, p := range pubs {
		if g.counts[p] == nil {
			g.counts[p] = make([]atomic.Uint32, perPub)
			g.npubs++
		}
	}
	return g
}

// Expected returns how many distinct messages the group expects.
func (g *Group) Expected() int64 { return int64(g.npubs) * int64(g.perPub) }

// Record counts one receipt. It reports first when this is the first
// receipt of (pub, seq) in the group, and ok false when the message was not
// expected at all (unknown publisher or sequence number out of range).
func (g *Group) Record(pub, seq uint32) (first, ok bool) {
	if int(pub) >= len(g.counts) || g.counts[pub] == nil || int(seq) >= g.perPub {
		return false, false
	}
	return g.counts[pub][seq].Add(1) == 1, true
}

// Tally returns the distinct messages received, the extra copies
// (duplicates) and the expected messages never received (lost).
func (g *Group) Tally() (unique, duplicates, lost int64) {
	for _, cs := range g.counts {
		for i := range cs {
			switch n := cs[i].Load(); n {
			case 0:
				lost++
			default:
				unique++
				duplicates += int64(n - 1)
			}
		}
	}
	return unique, duplicates, lost
}

// Missing describes up to limit runs of consecutive messages that never
// arrived, as "publisher 3: 1200-1299", for diagnosing losses.
func (g *Group) Missing(limit int) []string {
	var out []string
	for pub, cs := range g.counts {
		for i := 0; i < len(cs) && len(out) < limit; i++ {
			if cs[i].Load() != 0 {
				continue
			}
			j := i
			for j+1 < len(cs) && cs[j+1].Load() == 0 {
				j++
			}
			if i == j {
				out = append(out, fmt.Sprintf("publisher %d: %d", pub, i))
			} else {
				out = append(out, fmt.Sprintf("publisher %d: %d-%d", pub, i, j))
			}
			i = j
		}
	}
	return out
}
