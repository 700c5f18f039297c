// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build linux

package main

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"syscall"
)

// maxConnect bounds the bytes kept for a CONNECT that has not fully
// arrived; a longer one closes the connection.
const maxConnect = 4096

// reactor is one epoll loop over a listening socket and its connections.
type reactor struct {
	ep, lfd int
	stopR   int            // read end of the pipe that stops run
	stopW   int            // its write end
	pending map[int][]byte // CONNECT bytes of connections not yet answered
	acked   map[int]bool   // connections answered
}

// listen opens a non-blocking listening socket on the IPv4 addr and its
// epoll instance.
func listen(addr string) (*reactor, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("listen %q: want an IPv4 host:port", addr)
	}
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	r := &reactor{lfd: lfd, ep: -1, stopR: -1, stopW: -1, pending: map[int][]byte{}, acked: map[int]bool{}}
	fail := func(what string, err error) (*reactor, error) {
		r.close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	_ = syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(lfd, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return fail("bind "+addr, err)
	}
	if err := syscall.Listen(lfd, 4096); err != nil {
		return fail("listen", err)
	}
	if r.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return fail("epoll_create1", err)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return fail("pipe2", err)
	}
	r.stopR, r.stopW = p[0], p[1]
	for _, fd := range []int{lfd, r.stopR} {
		if err := syscall.EpollCtl(r.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			return fail("epoll_ctl", err)
		}
	}
	return r, nil
}

// addr returns the listening address.
func (r *reactor) addr() string {
	sa, err := syscall.Getsockname(r.lfd)
	if err != nil {
		return "?"
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		return "?"
	}
	return netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)).String()
}

// stop makes run return; run then closes every socket. Call it once,
// while run is running.
func (r *reactor) stop() { _, _ = syscall.Write(r.stopW, []byte{0}) }

// run serves on the calling goroutine, locked to its thread, until stop.
func (r *reactor) run() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer r.close()
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 4096)
	for {
		n, err := syscall.EpollWait(r.ep, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); fd {
			case r.stopR:
				return nil
			case r.lfd:
				r.accept()
			default:
				r.serve(fd, buf)
			}
		}
	}
}

// accept takes every waiting connection.
func (r *reactor) accept() {
	for {
		fd, _, err := syscall.Accept4(r.lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN, or an error the next readiness reports again
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		if syscall.EpollCtl(r.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}) != nil {
			_ = syscall.Close(fd)
		}
	}
}

// serve reads what fd has: the CONNECT, answered once whole, then anything
// until the client closes.
func (r *reactor) serve(fd int, buf []byte) {
	n, err := syscall.Read(fd, buf)
	if errors.Is(err, syscall.EAGAIN) {
		return
	}
	if err != nil || n == 0 {
		r.drop(fd)
		return
	}
	if r.acked[fd] {
		return
	}
	b := append(r.pending[fd], buf[:n]...)
	ack := connack(b)
	switch {
	case ack != nil:
		delete(r.pending, fd)
		r.acked[fd] = true
		if _, err := syscall.Write(fd, ack); err != nil {
			r.drop(fd)
		}
	case len(b) > maxConnect:
		r.drop(fd)
	default:
		r.pending[fd] = b
	}
}

// drop closes a connection (closing removes it from the epoll set).
func (r *reactor) drop(fd int) {
	delete(r.pending, fd)
	delete(r.acked, fd)
	_ = syscall.Close(fd)
}

// close closes every descriptor of r.
func (r *reactor) close() {
	for fd := range r.pending {
		_ = syscall.Close(fd)
	}
	for fd := range r.acked {
		_ = syscall.Close(fd)
	}
	for _, fd := range []int{r.lfd, r.ep, r.stopR, r.stopW} {
		if fd >= 0 {
			_ = syscall.Close(fd)
		}
	}
	clear(r.pending)
	clear(r.acked)
}
