// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package loadtest holds wrenmq's load tests: the mqttload generator
// (cmd/mqttload), the compare command that measures wrenmq against
// Mosquitto and mochi-mqtt in one run (cmd/compare), and a smoke test that
// keeps both from rotting. The package itself is empty; see README.md.
package loadtest
