// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package authledger authenticates MQTT clients and checks their
// subscriptions and publishes against a ledger of ordered rules, loaded
// from YAML or JSON and replaceable at run time.
//
// # Rules
//
// Auth rules are tried in order; the first whose client, username, remote
// and cert_cn patterns all match (a missing field matches anything; cert_cn
// is the Common Name of the verified TLS client certificate and never
// matches a client without one) decides the connection: allow: false refuses it with 0x87 Not authorized, a rule with
// a password or scram credentials demands them (0x86 Bad user name or
// password when they are wrong), and when no rule matches the client is
// refused (0x87). Passwords are bcrypt hashes; plain text is accepted only
// with allow_plaintext: true, and a warning is logged.
//
// ACL rules are also tried in order. Each rule whose client, username,
// remote and cert_cn patterns match contributes its filters, in document order, to one
// list; the first filter in that list that matches a topic decides the
// topic (deny, read, write or readwrite). A topic no filter matches gets
// the ledger's default, which is deny unless the ledger sets default.
// mochi-mqtt's ledger allows such topics; wrenmq denies them.
//
// A subscription whose filter can deliver only readable topics is granted;
// one that can deliver some readable topics and some not ("#" under
// "a/b: read") is granted too, and the broker then delivers through it
// only messages on topics the client may read (the Hook is a
// broker.ACLScopeChecker), as Mosquitto does; one that can deliver no
// readable topic is refused. A shared subscription "$share/group/filter"
// is decided as filter, but must be readable in full ("$share/g/#" under
// "a/b: read" is refused): a message its chosen member may not read would
// be lost to the group. Leading wildcards never reach "$" topics
// [MQTT-4.7.2-1]. See subscribe.go for how this is decided exactly.
//
// Filters may use %c (client id) and %u (user name) inside levels, and %%
// for a literal percent sign. A value that is empty or contains '/', '+',
// '#' or U+0000 never grants anything through a placeholder, and a
// non-granting filter with such a value denies every topic below the levels
// before the placeholder, so an odd client id can only narrow access.
//
// # Concurrency
//
// A [Ledger] is immutable once parsed. A [Hook] holds the ledger in force in
// an atomic pointer: [Hook.Reload] swaps it without locks, and each check
// uses the ledger it loaded at its start. The hook holds no mutex; its only
// shared map (completed SCRAM exchanges) is a sync.Map.
//
// # SCRAM-SHA-256
//
// The hook implements MQTT v5 enhanced authentication with the method
// "SCRAM-SHA-256" (RFC 5802, RFC 7677) without channel binding. User names
// and passwords are compared byte for byte (no SASLprep).
package authledger
