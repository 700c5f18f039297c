// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

//go:build !linux

package main

import "errors"

// reactor is Linux-only; elsewhere listen fails.
type reactor struct{}

func listen(string) (*reactor, error) { return nil, errors.New("epfloor runs on Linux only (epoll)") }
func (*reactor) addr() string         { return "" }
func (*reactor) run() error           { return nil }
