// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Key namespaces (first byte of every key) and kinds of client records
// (the byte after the client prefix). See the package documentation.
const (
	nsClient         = 'c'
	nsHashedClient   = 'h' // a client whose id is too long to spell out
	nsRetained       = 'r'
	nsHashedRetained = 'R' // a retained message whose topic is too long
	nsCounters       = 'n'

	kindSession            = 's'
	kindSubscription       = 'u'
	kindHashedSubscription = 'U' // a subscription whose filter is too long
	kindInflight           = 'i'
	kindQueued             = 'q'
	kindIdentity           = 'd' // in a hashed group: the client id
)

// MaxKeyLen bounds the length of every key a [Store] writes, so that a
// [Backend] may refuse longer ones: Badger does above 65,000 bytes. MQTT
// lets a client id, a topic filter and a topic name each be 65,535 bytes
// long; where spelling them out would pass the bound, the key holds their
// SHA-256 digest instead and the record's value the full text (see the
// package documentation).
const MaxKeyLen = 65000

// maxInlineClientID is the longest client id spelled out in keys. Its
// records' keys then fit MaxKeyLen with a digest for a long filter
// (3 + 64,900 + 1 + 32 bytes).
const maxInlineClientID = 64900

// hashedGroupLen is the length of a hashed client's group prefix.
const hashedGroupLen = 1 + sha256.Size

var errClientIDTooLong = errors.New("client id longer than 65535 bytes")

// appendClientPrefix appends the prefix under which all records of the
// client live.
func appendClientPrefix(dst []byte, clientID string) ([]byte, error) {
	if len(clientID) > math.MaxUint16 {
		return dst, fmt.Errorf("client %.32q...: %w", clientID, errClientIDTooLong)
	}
	if len(clientID) > maxInlineClientID {
		sum := sha256.Sum256([]byte(clientID))
		return append(append(dst, nsHashedClient), sum[:]...), nil
	}
	dst = append(dst, nsClient)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(clientID)))
	return append(dst, clientID...), nil
}

// GroupLen returns the length of key's group prefix: the client prefix
// ('c' | uint16 length | client id, or 'h' | SHA-256 of the client id for
// a very long one) that every record of one session shares, or 0 when key has none (retained messages, the counters record,
// a prefix shorter than a whole client prefix, a malformed key).
//
// The [Store] scans only nil (at [Store.Restore]) and whole group prefixes
// (to delete a session), and all keys under a group prefix have that same
// group. A [Backend] whose prefix scans cost more than the keys they find
// (Redis's SCAN walks the whole keyspace) can therefore keep each group
// together and answer the scan of a group from that group alone.
func GroupLen(key []byte) int {
	if len(key) >= hashedGroupLen && key[0] == nsHashedClient {
		return hashedGroupLen
	}
	if len(key) < 3 || key[0] != nsClient {
		return 0
	}
	n := 3 + int(binary.BigEndian.Uint16(key[1:3]))
	if len(key) < n {
		return 0
	}
	return n
}

func appendSessionKey(dst []byte, clientID string) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	return append(dst, kindSession), err
}

// MayMatchGroups reports whether keys starting with prefix can belong to a
// group (see GroupLen): it is empty or starts a client namespace.
func MayMatchGroups(prefix []byte) bool {
	return len(prefix) == 0 || prefix[0] == nsClient || prefix[0] == nsHashedClient
}

func appendSubscriptionKey(dst []byte, clientID, filter string) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	if hashedFilter(clientID, filter) {
		sum := sha256.Sum256([]byte(filter))
		return append(append(dst, kindHashedSubscription), sum[:]...), err
	}
	dst = append(dst, kindSubscription)
	return append(dst, filter...), err
}

// hashedFilter reports whether the key of a subscription to filter holds
// the filter's digest, so that its value must carry the filter.
func hashedFilter(clientID, filter string) bool {
	prefix := 3 + len(clientID)
	if len(clientID) > maxInlineClientID {
		prefix = hashedGroupLen
	}
	return prefix+1+len(filter) > MaxKeyLen
}

func appendIdentityKey(dst []byte, clientID string) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	return append(dst, kindIdentity), err
}

func appendInflightKey(dst []byte, clientID string, dir Direction, packetID uint16) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	dst = append(dst, kindInflight, byte(dir))
	return binary.BigEndian.AppendUint16(dst, packetID), err
}

func appendQueuedKey(dst []byte, clientID string, seq uint64) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	dst = append(dst, kindQueued)
	return binary.BigEndian.AppendUint64(dst, seq), err
}

func appendRetainedKey(dst []byte, topic string) []byte {
	if 1+len(topic) > MaxKeyLen {
		sum := sha256.Sum256([]byte(topic))
		return append(append(dst, nsHashedRetained), sum[:]...)
	}
	return append(append(dst, nsRetained), topic...)
}

func appendCountersKey(dst []byte) []byte { return append(dst, nsCounters) }

// parsedKey is a key split into its parts.
type parsedKey struct {
	ns       byte
	clientID string // empty for a hashed client (see group)
	group    string // a hashed client's group prefix
	kind     byte
	rest     []byte // after the kind byte (client records) or the namespace byte
}

var errBadKey = errors.New("malformed key")

// parseKey splits a key written by the append*Key functions.
func parseKey(k []byte) (parsedKey, error) {
	if len(k) == 0 {
		return parsedKey{}, errBadKey
	}
	p := parsedKey{ns: k[0], rest: k[1:]}
	if p.ns == nsHashedClient {
		if len(k) < hashedGroupLen+1 {
			return p, errBadKey
		}
		p.group = string(k[:hashedGroupLen])
		p.kind = k[hashedGroupLen]
		p.rest = k[hashedGroupLen+1:]
		return p, nil
	}
	if p.ns != nsClient {
		return p, nil
	}
	if len(k) < 4 {
		return p, errBadKey
	}
	n := int(binary.BigEndian.Uint16(k[1:3]))
	if len(k) < 3+n+1 {
		return p, errBadKey
	}
	p.clientID = string(k[3 : 3+n])
	p.kind = k[3+n]
	p.rest = k[3+n+1:]
	return p, nil
}
