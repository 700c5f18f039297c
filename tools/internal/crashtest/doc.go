// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package crashtest proves that the wrenmq binary loses nothing it
// acknowledged when it is killed with SIGKILL: its tests build the real
// binary, run it on Badger and on Redis under QoS 1 and QoS 2 load from
// several publishers with persistent-session subscribers that go offline
// part of the time, kill it at a seeded random moment, restart it on the
// same storage and check that every acknowledged message is delivered at
// least once (QoS 1) or exactly once (QoS 2), and that sessions,
// subscriptions and retained messages are back.
//
// Set CRASHTEST_SEED to replay a run; go test -short and SHORT=1
// scripts/test skip the suite.
package crashtest
