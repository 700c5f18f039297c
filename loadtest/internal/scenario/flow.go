// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wrenmq/wrenmq/loadtest/internal/client"
	"github.com/wrenmq/wrenmq/loadtest/internal/track"
)

// plan is the topology of a message-flow scenario.
type plan struct {
	pubTopics []string       // by publisher id
	subFilter []string       // by subscriber
	subGroup  []*track.Group // by subscriber; members of a shared group share one
	groups    []*track.Group
}

// makePlan lays out topics, filters and expectations for cfg.Kind.
func makePlan(cfg Config) plan {
	var pl plan
	P, S, M := cfg.Publishers, cfg.Subscribers, cfg.Messages
	all := make([]uint32, P)
	for i := range all {
		all[i] = uint32(i)
	}
	switch cfg.Kind {
	case Pairs:
		for i := range P {
			t := fmt.Sprintf("%s/p/%d", cfg.Prefix, i)
			g := track.NewGroup([]uint32{uint32(i)}, M, P)
			pl.pubTopics = append(pl.pubTopics, t)
			pl.subFilter = append(pl.subFilter, t)
			pl.subGroup = append(pl.subGroup, g)
			pl.groups = append(pl.groups, g)
		}
	case FanIn:
		for i := range P {
			pl.pubTopics = append(pl.pubTopics, fmt.Sprintf("%s/in/%d", cfg.Prefix, i))
		}
		g := track.NewGroup(all, M, P)
		pl.subFilter = []string{cfg.Prefix + "/in/+"}
		pl.subGroup = []*track.Group{g}
		pl.groups = []*track.Group{g}
	case FanOut:
		t := cfg.Prefix + "/out"
		pl.pubTopics = []string{t}
		for range S {
			g := track.NewGroup(all, M, P)
			pl.subFilter = append(pl.subFilter, t)
			pl.subGroup = append(pl.subGroup, g)
			pl.groups = append(pl.groups, g)
		}
	case Shared:
		for i := range P {
			pl.pubTopics = append(pl.pubTopics, fmt.Sprintf("%s/sh/%d", cfg.Prefix, i))
		}
		g := track.NewGroup(all, M, P)
		pl.groups = []*track.Group{g}
		for range S {
			pl.subFilter = append(pl.subFilter, "$share/g/"+cfg.Prefix+"/sh/+")
			pl.subGroup = append(pl.subGroup, g)
		}
	}
	return pl
}

// runFlow runs pairs, fan-in, fan-out and shared: subscribers connect and
// subscribe (SUBACK received) before any publisher starts.
func runFlow(ctx context.Context, cfg Config) (*Result, error) {
	pl := makePlan(cfg)
	var expected int64
	for _, g := range pl.groups {
		expected += g.Expected()
	}
	r := newRun(cfg, expected)
	res := &Result{Name: cfg.Name(), Kind: cfg.Kind, Expected: expected}

	subConns, err := dialAll(ctx, cfg, len(pl.subFilter), func(i int) client.Options {
		return client.Options{ClientID: clientID(cfg, 's', i)}
	})
	if err != nil {
		closeAll(subConns)
		return nil, fmt.Errorf("connect subscribers: %w", err)
	}
	pubConns, err := dialAll(ctx, cfg, len(pl.pubTopics), func(i int) client.Options {
		return client.Options{ClientID: clientID(cfg, 'p', i)}
	})
	if err != nil {
		closeAll(subConns)
		closeAll(pubConns)
		return nil, fmt.Errorf("connect publishers: %w", err)
	}
	defer closeAll(pubConns)
	defer closeAll(subConns)
	if err := subscribeAll(cfg, subConns, pl.subFilter); err != nil {
		return nil, err
	}

	var loops sync.WaitGroup
	subs := make([]*subscriber, len(subConns))
	for i, c := range subConns {
		subs[i] = newSubscriber(r, pl.subGroup[i])
		loops.Go(func() { r.fail(fmt.Sprintf("subscriber %d", i), c.Loop(subs[i])) })
	}
	pubs := make([]*publisher, len(pubConns))
	for i, c := range pubConns {
		pubs[i] = newPublisher(r, uint32(i), c, cfg.QoS)
		loops.Go(func() { r.fail(fmt.Sprintf("publisher %d", i), c.Loop(pubs[i])) })
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	smp := startSampler(cfg.PID)
	start := time.Now()
	var pubWG sync.WaitGroup
	for i, p := range pubs {
		topic := pl.pubTopics[i]
		pubWG.Go(func() {
			err := p.publish(runCtx, start, cfg.Messages, cfg.QoS, false, func(int) string { return topic })
			if err != nil && runCtx.Err() == nil {
				r.fail(fmt.Sprintf("publisher %d", i), err)
			}
		})
	}
	pubsDone := make(chan struct{})
	go func() { pubWG.Wait(); close(pubsDone) }()

	res.TimedOut = r.wait(ctx, start, pubsDone)
	stop := time.Now()
	smpErr := smp.finish(res)
	r.stopping.Store(true)
	cancel()
	closeAll(pubConns)
	closeAll(subConns)
	<-pubsDone
	loops.Wait()

	res.Published = r.published.Load()
	pubEnd := stop
	var latest int64
	for _, p := range pubs {
		e := p.end.Load()
		if e == 0 { // this publisher never finished: the run timed out
			latest = 0
			break
		}
		latest = max(latest, e)
	}
	if latest > 0 {
		pubEnd = time.Unix(0, latest)
	}
	res.PublishSeconds = pubEnd.Sub(start).Seconds()
	if last := r.lastRecv.Load(); last > 0 {
		res.DeliverSeconds = time.Unix(0, last).Sub(start).Seconds()
	}
	finishCounts(res, r, pl.groups)
	fillLatency(res, subs)
	res.Errors = r.errors()
	return res, smpErr
}

// subscribeAll subscribes each connection to its filter, in parallel.
func subscribeAll(cfg Config, conns []*client.Conn, filters []string) error {
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Dialers)
	for i, c := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = c.Subscribe([]string{filters[i]}, cfg.QoS, 10*time.Second)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("subscriber %d: %w", i, err)
		}
	}
	return nil
}

// finishCounts fills res's counters and rates from r and the groups.
func finishCounts(res *Result, r *run, groups []*track.Group) {
	res.Delivered = r.received.Load()
	res.Foreign = r.foreign.Load()
	res.Rejected = r.rejected.Load()
	for _, g := range groups {
		u, d, l := g.Tally()
		res.Unique += u
		res.Duplicates += d
		res.Lost += l
		if l > 0 && len(res.Missing) < 10 {
			res.Missing = append(res.Missing, g.Missing(10-len(res.Missing))...)
		}
	}
	if n := r.badAcks.Load(); n > 0 {
		r.note(fmt.Sprintf("%d acknowledgements for packet identifiers not in flight", n))
	}
	res.PublishRate = rate(res.Published, res.PublishSeconds)
	res.DeliverRate = rate(res.Delivered, res.DeliverSeconds)
}
