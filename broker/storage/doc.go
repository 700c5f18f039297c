// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package storage persists the broker's durable state: sessions, their
// subscriptions, inflight and queued messages, retained messages and a few
// counters.
//
// It has three parts:
//
//   - [Backend], a small key/value contract that a database adapter
//     implements (the in-memory reference is [NewMemory]; Badger and Redis
//     live in the modules storage-badger and storage-redis);
//   - the record types ([Session], [Subscription], [Inflight], [Queued],
//     [Retained], [Counters]) with a versioned, compact binary encoding and
//     collision-free keys, and [Restore], which reads them all back at start;
//   - [Store], the write path the broker calls from its packet handlers.
//
// # Keys
//
// Every record of one client lives under the client prefix
//
//	'c' | uint16 big-endian length of the client id | client id
//
// followed by one kind byte and the rest of the record's identity:
//
//	's'                                  session
//	'u' | filter                         subscription
//	'i' | direction | uint16 packet id   inflight message
//	'q' | uint64 big-endian sequence     queued message
//
// Because the client id is length-prefixed, no client's prefix is a prefix
// of another client's keys, whatever bytes the ids contain ("a" and "ab",
// "a/b", "a\x00"), so deleting a session is one prefix scan. Retained
// messages are keyed 'r' | topic and the counters record is the single key
// 'n'. Queued messages sort by sequence within a client.
//
// No key is longer than [MaxKeyLen] (65,000 bytes, Badger's limit), though
// MQTT allows 65,535-byte client ids, filters and topics. A client id
// longer than 64,900 bytes is replaced by its SHA-256 digest: the client
// prefix is 'h' | digest, and an identity record 'h' | digest | 'd' holds
// the id (written with the session record). A subscription whose key would
// pass the bound is keyed 'U' | SHA-256 of the filter within its client
// prefix, and its value starts with the filter; a retained message whose
// topic would, 'R' | SHA-256 of the topic (its value holds the topic).
// [Store.Restore] moves records that earlier builds stored under the
// spelled-out keys to these, and deletes the records of a hashed client
// whose identity record is gone (a session delete that reached the
// backend in part; the identity record is deleted last to make that rare).
//
// # Values
//
// The first byte of every value is the record format version
// ([FormatVersion]). Integers are varints, strings and byte strings are
// length-prefixed, times are Unix nanoseconds (restored in UTC). A message
// is kept as the MQTT v5 PUBLISH packet the codec encodes, so every
// property (user properties in order, payload format, content type,
// response topic, correlation data, subscription identifiers, topic alias)
// survives; the absolute expiry time is stored beside it so that the
// remaining Message Expiry Interval can be recomputed on restore. Records of
// a version this package does not know are skipped and logged by [Restore],
// never fatal, so a downgrade does not stop the broker from starting.
//
// # Durability
//
// [Store] methods encode a record on the caller's goroutine and append it
// to a queue bounded in operations and bytes; they never wait for I/O. One
// writer goroutine takes everything queued (up to a batch limit) and
// writes it with one [Backend.Apply] (group commit).
//
// In [ModeSync] each method returns a [Done] that completes when the batch
// holding the write is durable in the backend; the broker waits on it
// before it acknowledges a QoS 1 or QoS 2 PUBLISH. Clients whose writes
// share a batch share one backend round trip, so throughput grows with
// concurrency while no client's reads are blocked by another's write.
//
// In [ModeAsync] the returned Done is already complete and the writer
// flushes at most [Options.FlushInterval] (default 10ms) after the first
// write of a batch. Loss window: a crash loses what was acknowledged in the
// last FlushInterval plus the duration of one Apply, and, while the backend
// is failing, everything still queued (at most [Options.MaxQueueOps]
// operations or [Options.MaxQueueBytes] bytes).
//
// Writes never wait for room, since their callers may hold locks; callers
// that hold none call [Store.WaitRoom], which blocks while the queue is
// full until the writer has made room (backpressure): a slow or failed
// backend slows the clients that write, it never makes the store drop
// writes. A failed Apply
// is retried with exponential backoff (Options.RetryMin to
// Options.RetryMax), counted, logged, and reported by [Store.Healthy] until
// a write succeeds again.
//
// # Concurrency
//
// All Store methods are safe for concurrent use. Writes of one goroutine
// are applied in the order they were made; writes of different goroutines
// in the order they reached the queue. The Store must be the only writer
// of its Backend, because a session delete is expanded by scanning the
// backend.
package storage
