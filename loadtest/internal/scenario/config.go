// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package scenario runs the load-test scenarios (pairs, fan-in, fan-out,
// shared, retained, idle) against one broker address and measures them:
// throughput, latency percentiles, messages lost and duplicated (counted
// exactly from the sequence numbers in the payloads) and, given the
// broker's process id, its CPU time and memory from /proc.
package scenario

import (
	"fmt"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// Kind names a scenario.
type Kind string

// The scenarios.
const (
	// Pairs: N publishers, each with its own topic and its own subscriber.
	Pairs Kind = "pairs"
	// FanIn: many publishers, one subscriber to all their topics.
	FanIn Kind = "fan-in"
	// FanOut: one publisher, many subscribers to its topic.
	FanOut Kind = "fan-out"
	// Shared: publishers towards one shared-subscription group
	// ($share/g/...); each message goes to one member.
	Shared Kind = "shared"
	// Retained: a publisher leaves a large set of retained messages, then
	// a subscriber subscribes to a wildcard covering them all.
	Retained Kind = "retained"
	// Idle: many connections that do nothing; measures connects per second
	// and broker memory per connection.
	Idle Kind = "idle"
)

// Kinds lists every scenario.
var Kinds = []Kind{Pairs, FanIn, FanOut, Shared, Retained, Idle}

// Config describes one run.
type Config struct {
	Kind Kind
	// Addr is the broker's TCP address.
	Addr string
	// Version is codec.V311 or codec.V5. Default V5.
	Version codec.Version
	// QoS of publications and subscriptions.
	QoS codec.QoS
	// Publishers and Subscribers: N for Pairs (both equal), the publisher
	// count for FanIn and Shared, the subscriber count for FanOut and
	// Shared. Unused counts are ignored.
	Publishers  int
	Subscribers int
	// Messages per publisher (M); for Retained the size of the retained set.
	Messages int
	// Connections opened by Idle.
	Connections int
	// PayloadSize in bytes, at least track.HeaderSize. Default 64.
	PayloadSize int
	// Inflight is the window of unacknowledged QoS 1/2 messages per
	// publisher, capped by the server's Receive Maximum. Default 100.
	// Subscribers advertise no Receive Maximum, so each broker applies its
	// own default inflight limit towards them.
	Inflight int
	// Batch is how many bytes a publisher encodes before it writes them
	// in one system call. Default 16 KiB; 0 or 1 writes every message.
	Batch int
	// Rate limits each publisher to this many messages per second; 0 means
	// as fast as the broker takes them.
	Rate float64
	// Quiet ends a run when no message was published or delivered for this
	// long; what has not arrived by then is lost. Default 5 s.
	Quiet time.Duration
	// MaxDuration ends a run unconditionally. Default 10 min.
	MaxDuration time.Duration
	// Dialers is how many connections are opened in parallel. Default 32.
	Dialers int
	// Settle is how long Idle waits, with every connection open, before
	// reading the broker's memory. Default 2 s.
	Settle time.Duration
	// Prefix starts every topic; default "lt/<random>", so that runs
	// against a long-lived broker do not see each other's messages.
	Prefix string
	// PID is the broker's process id for CPU and memory readings; 0 skips
	// them.
	PID int
}

// Name is a short label: "pairs n=10 q1 v5".
func (c Config) Name() string {
	v := "v5"
	if c.Version == codec.V311 {
		v = "v3"
	}
	switch c.Kind {
	case Pairs:
		return fmt.Sprintf("pairs n=%d m=%d q%d %s", c.Publishers, c.Messages, c.QoS, v)
	case FanIn:
		return fmt.Sprintf("fan-in %dx%d q%d %s", c.Publishers, c.Messages, c.QoS, v)
	case FanOut:
		return fmt.Sprintf("fan-out 1x%d to %d q%d %s", c.Messages, c.Subscribers, c.QoS, v)
	case Shared:
		return fmt.Sprintf("shared %dx%d to %d q%d %s", c.Publishers, c.Messages, c.Subscribers, c.QoS, v)
	case Retained:
		return fmt.Sprintf("retained %d q%d %s", c.Messages, c.QoS, v)
	case Idle:
		if c.Dialers > 0 && c.Dialers != DefaultDialers {
			return fmt.Sprintf("idle %d %s, %d dialers", c.Connections, v, c.Dialers)
		}
		return fmt.Sprintf("idle %d %s", c.Connections, v)
	}
	return string(c.Kind)
}

// DefaultDialers is how many connections are opened in parallel unless
// Config.Dialers says otherwise.
const DefaultDialers = 32

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Version == 0 {
		c.Version = codec.V5
	}
	if c.Version != codec.V311 && c.Version != codec.V5 {
		return c, fmt.Errorf("protocol version %d: want 4 (v3.1.1) or 5", c.Version)
	}
	if c.QoS > 2 {
		return c, fmt.Errorf("QoS %d", c.QoS)
	}
	if c.PayloadSize == 0 {
		c.PayloadSize = 64
	}
	c.PayloadSize = max(c.PayloadSize, 16)
	if c.Inflight <= 0 {
		c.Inflight = 100
	}
	if c.Batch == 0 {
		c.Batch = 16 << 10
	}
	if c.Quiet <= 0 {
		c.Quiet = 5 * time.Second
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = 10 * time.Minute
	}
	if c.Dialers <= 0 {
		c.Dialers = DefaultDialers
	}
	if c.Settle <= 0 {
		c.Settle = 2 * time.Second
	}
	if c.Prefix == "" {
		c.Prefix = fmt.Sprintf("lt/%x", time.Now().UnixNano()&0xFFFFFFFF)
	}
	switch c.Kind {
	case Pairs:
		if c.Publishers <= 0 {
			c.Publishers = c.Subscribers
		}
		c.Subscribers = c.Publishers
	case FanIn:
		c.Subscribers = 1
	case FanOut:
		c.Publishers = 1
	case Retained:
		c.Publishers, c.Subscribers = 1, 1
	case Shared:
	case Idle:
		if c.Connections <= 0 {
			return c, fmt.Errorf("idle: connections must be > 0")
		}
		return c, nil
	default:
		return c, fmt.Errorf("unknown scenario %q", c.Kind)
	}
	if c.Publishers <= 0 || c.Subscribers <= 0 || c.Messages <= 0 {
		return c, fmt.Errorf("%s: publishers, subscribers and messages must be > 0", c.Kind)
	}
	return c, nil
}
