// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Key namespaces (first byte of every key) and kinds of client records
// (the byte after the client prefix). See the package documentation.
const (
	nsClient   = 'c'
	nsRetained = 'r'
	nsCounters = 'n'

	kindSession      = 's'
	kindSubscription = 'u'
	kindInflight     = 'i'
	kindQueued       = 'q'
)

var errClientIDTooLong = errors.New("client id longer than 65535 bytes")

// appendClientPrefix appends the prefix under which all records of the
// client live.
func appendClientPrefix(dst []byte, clientID string) ([]byte, error) {
	if len(clientID) > math.MaxUint16 {
		return dst, fmt.Errorf("client %.32q...: %w", clientID, errClientIDTooLong)
	}
	dst = append(dst, nsClient)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(clientID)))
	return append(dst, clientID...), nil
}

// GroupLen returns the length of key's group prefix: the client prefix
// ('c' | uint16 length | client id) that every record of one session
// shares, or 0 when key has none (retained messages, the counters record,
// a prefix shorter than a whole client prefix, a malformed key).
//
// The [Store] scans only nil (at [Store.Restore]) and whole group prefixes
// (to delete a session), and all keys under a group prefix have that same
// group. A [Backend] whose prefix scans cost more than the keys they find
// (Redis's SCAN walks the whole keyspace) can therefore keep each group
// together and answer the scan of a group from that group alone.
func GroupLen(key []byte) int {
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

func appendSubscriptionKey(dst []byte, clientID, filter string) ([]byte, error) {
	dst, err := appendClientPrefix(dst, clientID)
	dst = append(dst, kindSubscription)
	return append(dst, filter...), err
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
	return append(append(dst, nsRetained), topic...)
}

func appendCountersKey(dst []byte) []byte { return append(dst, nsCounters) }

// parsedKey is a key split into its parts.
type parsedKey struct {
	ns       byte
	clientID string
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
