// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build !linux

package broker

import "syscall"

// waitReadable is a no-op where readiness cannot be awaited without a
// buffer; the read itself blocks.
func waitReadable(rc syscall.RawConn) error { return nil }

// peekPending reports no pending bytes where sockets cannot be peeked
// without blocking.
func peekPending(rc syscall.RawConn, buf []byte) int { return 0 }
