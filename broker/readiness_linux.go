// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package broker

import (
	"syscall"
	"unsafe"
)

// waitReadable blocks until rc's socket has data (or is closed, or its read
// deadline passes) without holding a read buffer, so that an idle
// connection pins no buffer memory. It peeks with MSG_PEEK|MSG_DONTWAIT
// before waiting because the poller only reports new readiness.
func waitReadable(rc syscall.RawConn) error { return rc.Read(readable) }

// readable reports whether the socket fd has data or an error to read. It
// captures nothing, so passing it to RawConn.Read allocates nothing (a
// closure would be allocated at every wait of every connection).
func readable(fd uintptr) bool {
	var b [1]byte
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd,
		uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno != syscall.EAGAIN && errno != syscall.EINTR
}

// peekPending copies into buf, without consuming them, the bytes waiting
// unread on rc's socket, and returns how many; 0 when there are none or
// rc is not a socket. It never blocks, and may run while another goroutine
// reads rc.
func peekPending(rc syscall.RawConn, buf []byte) int {
	n := 0
	_ = rc.Control(func(fd uintptr) {
		r, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		if errno == 0 {
			n = int(r)
		}
	})
	return n
}
