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
			legacy = append(legacy, Op{Key: bytes.Clone(key), Value: v})
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
	s.migrate(legacy)
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
		if !g.known {
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

// migrate rewrites records that earlier builds stored under keys this
// one no longer writes (see legacyKey), so that deletes find them: each is
// put under its current key, then its old key is deleted. Restore has
// already returned them.
func (s *Store) migrate(legacy []Op) {
	for _, op := range legacy {
		var rec Snapshot
		if rec.add(op.Key, op.Value) != nil {
			continue // skipped, and reported, by Restore
		}
		for _, r := range rec.Sessions {
			s.PutSession(r)
		}
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
		key := op.Key
		s.write("delete a record's earlier key", opDelete, func(dst []byte) ([]byte, int, error) {
			dst = append(dst, key...)
			return dst, len(dst), nil
		})
	}
	if len(legacy) > 0 {
		s.log.Info("storage: records moved to their current keys", "records", len(legacy))
	}
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
