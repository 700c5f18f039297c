// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package conformance holds wrenmq's conformance suite: scenario tests that
// drive real MQTT clients (eclipse/paho.golang for v5,
// eclipse/paho.mqtt.golang for v3.1.1, and a raw client built on codec for
// what no well-behaved library sends) against an in-process broker for
// every storage and auth combination, or against any broker at
// $WRENMQ_CONFORMANCE_ADDR.
//
// statements.tsv maps every normative statement of MQTT v5.0 and v3.1.1 to
// the tests that prove it or to the reason it does not bind a server; the
// matrix package checks that file against the tests. See README.md.
package conformance
