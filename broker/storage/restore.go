// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Snapshot is every record read back from a backend.
type Snapshot struct {
	// Sessions sorted by client id.
	Sessions []*Session
	// Subscriptions sorted by client id, then filter.
	Subscriptions []*Subscription
	// Inflight sorted by client id, then Seq.
	Inflight []*Inflight
	// Queued sorted by client id, then Seq.
	Queued []*Queued
	// Retained sorted by topic.
	Retained []*Retained
	// Counters is the counters record, zero when none was stored.
	Counters Counters
	// Skipped lists records that could not be decoded (unknown format
	// version, corruption); they are logged and left in the backend.
	Skipped []SkippedRecord

	// hashed holds, during the scan, the records of clients whose keys
	// hold a digest of their id, until their identity records are read.
	hashed map[string]*hashedGroup
}

// hashedGroup is what the scan found of one hashed client group.
type hashedGroup struct {
	id      string
	known   bool
	bad     bool // an identity record that did not decode (skipped, kept)
	records []hashedRecord
}

type hashedRecord struct {
	key   []byte
	k     parsedKey
	value []byte
}

// SkippedRecord is a record [Store.Restore] could not decode.
type SkippedRecord struct {
	// Key is the record's key.
	Key []byte
	// Err says why it was skipped.
	Err error
}

// ErrUnknownVersion is wrapped by the error of a [SkippedRecord] whose
// format version this package does not know.
var ErrUnknownVersion = errors.New("unknown record format version")

// Restore waits until every write made so far is in the backend, then
// reads all records back. The broker calls it at start, before its
// listeners accept clients. Records of an unknown format version or that
// fail to decode are logged and listed in Snapshot.Skipped; they do not
// make Restore fail. Records of a client that has no Session record can
// exist when a session delete was interrupted on a backend without atomic
// batches; the broker should delete such clients with [Store.DeleteSession].
func (s *Store) Restore(ctx context.Context) (*Snapshot, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, fmt.Errorf("storage: restore: %w", err)
	}
	snap := &Snapshot{}
	var legacy []Op
	err := s.backend.Scan(ctx, nil, func(key, value []byte) error {
		// Backends reuse their buffers; decoded payloads alias this copy.
		v := bytes.Clone(value)
		if legacyKey(key) {
			legacy = append(legacy, Op{Key: bytes.Clone(key), Value: v}) // see migrate
			return nil
		}
		if err := snap.add(key, v); err != nil {
			skipped := SkippedRecord{Key: bytes.Clone(key), Err: err}
			snap.Skipped = append(snap.Skipped, skipped)
			s.log.Warn("storage: skipping record at restore", "key", fmt.Sprintf("%q", key), "err", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: restore: %w", err)
	}
	s.migrate(ctx, snap, legacy)
	skipped, unnamed := snap.resolveHashed()
	for _, sk := range skipped {
		snap.Skipped = append(snap.Skipped, sk)
		s.log.Warn("storage: skipping record at restore", "key", fmt.Sprintf("%.64q", sk.Key), "err", sk.Err)
	}
	for _, group := range unnamed {
		// Left by a session delete that reached the backend in part:
		// nothing can resume these records, and a client with this id
		// must not find them in a new session.
		s.log.Warn("storage: deleting records of a client whose identity record is gone", "group", fmt.Sprintf("%x", group))
		s.write("delete records of an unnamed client", opDeletePrefix, func(dst []byte) ([]byte, int, error) {
			dst = append(dst, group...)
			return dst, len(dst), nil
		})
	}
	snap.sort()
	return snap, nil
}

// add decodes one record into the snapshot.
func (snap *Snapshot) add(key, v []byte) error {
	k, err := parseKey(key)
	if err != nil {
		return err
	}
	switch k.ns {
	case nsHashedClient:
		if snap.hashed == nil {
			snap.hashed = make(map[string]*hashedGroup)
		}
		g := snap.hashed[k.group]
		if g == nil {
			g = &hashedGroup{}
			snap.hashed[k.group] = g
		}
		if k.kind == kindIdentity {
			id, err := decodeIdentity(v)
			if err != nil {
				g.bad = true
				return fmt.Errorf("client identity: %w", err)
			}
			g.id, g.known = id, true
			return nil
		}
		// Kept past this call: k.rest must not alias the backend's buffer.
		key = bytes.Clone(key)
		k.rest = key[len(key)-len(k.rest):]
		g.records = append(g.records, hashedRecord{key: key, k: k, value: v})
	case nsRetained, nsHashedRetained:
		r, err := decodeRetained(v)
		if err != nil {
			return fmt.Errorf("retained message: %w", err)
		}
		snap.Retained = append(snap.Retained, r)
	case nsCounters:
		c, err := decodeCounters(v)
		if err != nil {
			return fmt.Errorf("counters: %w", err)
		}
		snap.Counters = c
	case nsClient:
		return snap.addClientRecord(k, v)
	default:
		return fmt.Errorf("unknown key namespace %q", k.ns)
	}
	return nil
}

func (snap *Snapshot) addClientRecord(k parsedKey, v []byte) error {
	switch k.kind {
	case kindSession:
		if len(k.rest) != 0 {
			return errBadKey
		}
		s, err := decodeSession(k.clientID, v)
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		snap.Sessions = append(snap.Sessions, s)
	case kindSubscription, kindHashedSubscription:
		var s *Subscription
		var err error
		if k.kind == kindHashedSubscription {
			s, err = decodeHashedSubscription(k.clientID, v)
		} else {
			s, err = decodeSubscription(k.clientID, string(k.rest), v)
		}
		if err != nil {
			return fmt.Errorf("subscription: %w", err)
		}
		snap.Subscriptions = append(snap.Subscriptions, s)
	case kindInflight:
		in, err := decodeInflight(k.clientID, k.rest, v)
		if err != nil {
			return fmt.Errorf("inflight message: %w", err)
		}
		snap.Inflight = append(snap.Inflight, in)
	case kindQueued:
		q, err := decodeQueued(k.clientID, k.rest, v)
		if err != nil {
			return fmt.Errorf("queued message: %w", err)
		}
		snap.Queued = append(snap.Queued, q)
	default:
		return fmt.Errorf("unknown client record kind %q", k.kind)
	}
	return nil
}

// resolveHashed adds the records of hashed client groups, now that the
// scan has read their identity records. It returns the records it cannot
// add, and the group prefixes that no identity record names.
func (snap *Snapshot) resolveHashed() (skipped []SkippedRecord, unnamed []string) {
	for group, g := range snap.hashed {
		if !g.known && !g.bad {
			unnamed = append(unnamed, group)
		}
		for _, r := range g.records {
			err := errors.New("no identity record names the client")
			if g.known {
				r.k.clientID = g.id
				err = snap.addClientRecord(r.k, r.value)
			}
			if err != nil {
				skipped = append(skipped, SkippedRecord{Key: r.key, Err: err})
			}
		}
	}
	snap.hashed = nil
	return skipped, unnamed
}

// legacyKey reports whether key is in a form earlier builds wrote and
// this one no longer does: longer than MaxKeyLen, or with a client id
// that is now replaced by its digest.
func legacyKey(key []byte) bool {
	if len(key) > MaxKeyLen {
		return true
	}
	return len(key) >= 3 && key[0] == nsClient && int(binary.BigEndian.Uint16(key[1:3])) > maxInlineClientID
}

// migrate moves records that earlier builds stored under keys this one
// no longer writes (see legacyKey) to their current keys, so that deletes
// find them, and adds them to snap. A record whose current key already
// holds one (written since by this build) is newer: the old one is only
// deleted. All puts come first, sessions (with their identity records)
// before the rest, then the deletes of the old keys: should the backend
// apply the writes in part, the old records are still there to move at
// the next Restore.
func (s *Store) migrate(ctx context.Context, snap *Snapshot, legacy []Op) {
	var moved []*Snapshot
	var stale [][]byte
	for _, op := range legacy {
		rec := &Snapshot{}
		if err := rec.add(op.Key, op.Value); err != nil {
			snap.Skipped = append(snap.Skipped, SkippedRecord{Key: op.Key, Err: err})
			s.log.Warn("storage: skipping record at restore", "key", fmt.Sprintf("%.64q", op.Key), "err", err)
			continue
		}
		stale = append(stale, op.Key)
		if cur := rec.currentKey(); cur != nil && s.exists(ctx, cur) {
			continue
		}
		moved = append(moved, rec)
		snap.Sessions = append(snap.Sessions, rec.Sessions...)
		snap.Subscriptions = append(snap.Subscriptions, rec.Subscriptions...)
		snap.Inflight = append(snap.Inflight, rec.Inflight...)
		snap.Queued = append(snap.Queued, rec.Queued...)
		snap.Retained = append(snap.Retained, rec.Retained...)
	}
	for _, rec := range moved {
		for _, r := range rec.Sessions {
			s.PutSession(r)
		}
	}
	for _, rec := range moved {
		for _, r := range rec.Subscriptions {
			s.PutSubscription(r)
		}
		for _, r := range rec.Inflight {
			s.PutInflight(r)
		}
		for _, r := range rec.Queued {
			s.PutQueued(r)
		}
		for _, r := range rec.Retained {
			s.PutRetained(r)
		}
	}
	for _, key := range stale {
		s.write("delete a record's earlier key", opDelete, func(dst []byte) ([]byte, int, error) {
			dst = append(dst, key...)
			return dst, len(dst), nil
		})
	}
	if len(stale) > 0 {
		s.log.Info("storage: records moved from earlier keys to their current ones", "records", len(stale), "kept newer", len(stale)-len(moved))
	}
}

// currentKey is the key this build writes the one record of rec under.
func (rec *Snapshot) currentKey() []byte {
	var k []byte
	switch {
	case len(rec.Sessions) == 1:
		k, _ = appendSessionKey(nil, rec.Sessions[0].ClientID)
	case len(rec.Subscriptions) == 1:
		k, _ = appendSubscriptionKey(nil, rec.Subscriptions[0].ClientID, rec.Subscriptions[0].Filter)
	case len(rec.Inflight) == 1:
		in := rec.Inflight[0]
		k, _ = appendInflightKey(nil, in.ClientID, in.Direction, in.PacketID)
	case len(rec.Queued) == 1:
		k, _ = appendQueuedKey(nil, rec.Queued[0].ClientID, rec.Queued[0].Seq)
	case len(rec.Retained) == 1:
		k = appendRetainedKey(nil, rec.Retained[0].Message.Publish.Topic)
	}
	return k
}

// exists reports whether the backend holds key.
func (s *Store) exists(ctx context.Context, key []byte) bool {
	found := false
	_ = s.backend.Scan(ctx, key, func(k, _ []byte) error {
		found = found || bytes.Equal(k, key)
		return nil
	})
	return found
}

// sort orders the slices as documented; backends scan in any order.
func (snap *Snapshot) sort() {
	slices.SortFunc(snap.Sessions, func(a, b *Session) int { return strings.Compare(a.ClientID, b.ClientID) })
	slices.SortFunc(snap.Subscriptions, func(a, b *Subscription) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.Filter, b.Filter))
	})
	slices.SortFunc(snap.Inflight, func(a, b *Inflight) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), cmp.Compare(a.Seq, b.Seq),
			cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.PacketID, b.PacketID))
	})
	slices.SortFunc(snap.Queued, func(a, b *Queued) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), cmp.Compare(a.Seq, b.Seq))
	})
	slices.SortFunc(snap.Retained, func(a, b *Retained) int {
		return strings.Compare(a.Message.Publish.Topic, b.Message.Publish.Topic)
	})
}
