// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/loadtest/internal/client"
	"github.com/wrenmq/wrenmq/loadtest/internal/track"
)

// runRetained publishes cfg.Messages retained messages to distinct topics
// at QoS 1 (so that each is stored once acknowledged), then measures a
// subscriber receiving them all through one wildcard subscription at
// cfg.QoS. It clears the retained set afterwards.
func runRetained(ctx context.Context, cfg Config) (*Result, error) {
	g := track.NewGroup([]uint32{0}, cfg.Messages, 1)
	r := newRun(cfg, g.Expected())
	res := &Result{Name: cfg.Name(), Kind: cfg.Kind, Expected: g.Expected()}
	base := cfg.Prefix + "/ret/"
	topics := make([]string, cfg.Messages)
	for i := range topics {
		topics[i] = base + strconv.Itoa(i)
	}
	topic := func(i int) string { return topics[i] }

	pubConns, err := dialAll(ctx, cfg, 1, func(int) client.Options {
		return client.Options{ClientID: clientID(cfg, 'p', 0)}
	})
	if err != nil {
		return nil, fmt.Errorf("connect publisher: %w", err)
	}
	pc := pubConns[0]
	pub := newPublisher(r, 0, pc, 1)
	var (
		loops    sync.WaitGroup
		subConns []*client.Conn
	)
	// On every return: close the connections, then wait for their loops.
	defer func() {
		r.stopping.Store(true)
		closeAll(pubConns)
		closeAll(subConns)
		loops.Wait()
	}()
	loops.Go(func() { r.fail("publisher", pc.Loop(pub)) })
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Phase 1: store the retained set.
	pubStart := time.Now()
	if err := pub.publish(runCtx, pubStart, cfg.Messages, 1, true, topic); err != nil {
		return nil, fmt.Errorf("publish retained set: %w", err)
	}
	res.Published = r.published.Load()
	res.PublishSeconds = time.Unix(0, pub.end.Load()).Sub(pubStart).Seconds()

	// Phase 2: one subscriber receives the whole set.
	smp := startSampler(cfg.PID)
	start := time.Now()
	subConns, err = dialAll(ctx, cfg, 1, func(int) client.Options {
		return client.Options{ClientID: clientID(cfg, 's', 0)}
	})
	if err != nil {
		return nil, fmt.Errorf("connect subscriber: %w", err)
	}
	sc := subConns[0]
	if err := sc.Subscribe([]string{base + "#"}, cfg.QoS, 10*time.Second); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	sub := newSubscriber(r, g)
	loops.Go(func() { r.fail("subscriber", sc.Loop(sub)) })
	done := make(chan struct{})
	close(done)
	res.TimedOut = r.wait(ctx, start, done)
	smpErr := smp.finish(res)

	// Clear the retained set (an empty retained payload deletes it), so
	// that a long-lived broker does not keep it.
	r.stopping.Store(true)
	closeAll(subConns)
	clearRetained(pc, cfg, topics)
	cancel()
	closeAll(pubConns)
	loops.Wait()

	if last := r.lastRecv.Load(); last > 0 {
		res.DeliverSeconds = time.Unix(0, last).Sub(start).Seconds()
	}
	finishCounts(res, r, []*track.Group{g})
	fillLatency(res, []*subscriber{sub})
	res.Errors = r.errors()
	return res, smpErr
}

// clearRetained deletes the retained set with empty retained QoS 0
// messages, written in large batches; the DISCONNECT that follows is
// handled by the broker after them.
func clearRetained(c *client.Conn, cfg Config, topics []string) {
	pk := codec.Publish{Retain: true}
	var buf []byte
	for _, t := range topics {
		pk.Topic = t
		buf = pk.AppendTo(buf, cfg.Version)
		if len(buf) >= 64<<10 {
			if c.Write(buf) != nil {
				return
			}
			buf = buf[:0]
		}
	}
	_ = c.Write(buf)
}
