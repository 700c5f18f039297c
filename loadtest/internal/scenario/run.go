// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package scenario

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/loadtest/internal/client"
	"github.com/wrenmq/wrenmq/loadtest/internal/procfs"
	"github.com/wrenmq/wrenmq/loadtest/internal/track"
)

// Latency histograms cover 1 µs to 60 s at 3 significant digits.
const (
	histMin    = 1
	histMax    = 60_000_000
	histDigits = 3
)

// Run runs the scenario cfg describes and returns its measurements. An
// error means the scenario could not be set up or ran into a broken
// connection; lost messages alone are not an error, they are in Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	switch cfg.Kind {
	case Idle:
		return runIdle(ctx, cfg)
	case Retained:
		return runRetained(ctx, cfg)
	default:
		return runFlow(ctx, cfg)
	}
}

// run is the shared state of one message-flow run.
type run struct {
	cfg      Config
	expected int64

	// Progress counters, updated once per read pass or write batch.
	published atomic.Int64
	acked     atomic.Int64
	received  atomic.Int64
	unique    atomic.Int64
	foreign   atomic.Int64
	rejected  atomic.Int64
	badAcks   atomic.Int64
	lastRecv  atomic.Int64 // Unix nanoseconds of the latest receipt

	all     chan struct{} // closed when unique reaches expected
	allOnce sync.Once

	stopping atomic.Bool
	errMu    sync.Mutex
	errs     []string
}

func newRun(cfg Config, expected int64) *run {
	return &run{cfg: cfg, expected: expected, all: make(chan struct{})}
}

// fail records a connection failure unless the run is being torn down
// (then the failure is this process closing the connection).
func (r *run) fail(who string, err error) {
	if r.stopping.Load() || err == nil {
		return
	}
	r.note(fmt.Sprintf("%s: %v", who, err))
}

// note records a problem of the run.
func (r *run) note(msg string) {
	r.errMu.Lock()
	if len(r.errs) < 20 {
		r.errs = append(r.errs, msg)
	}
	r.errMu.Unlock()
}

func (r *run) errors() []string {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return append([]string(nil), r.errs...)
}

// subscriber counts and times what one subscriber connection receives.
type subscriber struct {
	r     *run
	group *track.Group
	hist  *hdrhistogram.Histogram
	// per-pass counts, flushed to r in EndPass
	recv, uniq, foreign int64
	last                int64
}

func newSubscriber(r *run, g *track.Group) *subscriber {
	return &subscriber{r: r, group: g, hist: hdrhistogram.New(histMin, histMax, histDigits)}
}

// Message implements client.Handler.
func (s *subscriber) Message(p *codec.Publish) {
	pub, seq, sent, ok := track.Read(p.Payload)
	if !ok {
		s.foreign++
		return
	}
	first, ok := s.group.Record(pub, seq)
	if !ok {
		s.foreign++
		return
	}
	now := time.Now().UnixNano()
	lat := (now - sent) / 1000
	if lat < histMin {
		lat = histMin
	} else if lat > histMax {
		lat = histMax
	}
	_ = s.hist.RecordValue(lat)
	s.recv++
	if first {
		s.uniq++
	}
	s.last = now
}

// Acked implements client.Handler; subscribers publish nothing.
func (s *subscriber) Acked(uint16, codec.ReasonCode) { s.r.badAcks.Add(1) }

// EndPass implements client.Handler.
func (s *subscriber) EndPass() {
	if s.foreign > 0 {
		s.r.foreign.Add(s.foreign)
		s.foreign = 0
	}
	if s.recv == 0 {
		return
	}
	s.r.received.Add(s.recv)
	for {
		old := s.r.lastRecv.Load()
		if s.last <= old || s.r.lastRecv.CompareAndSwap(old, s.last) {
			break
		}
	}
	if s.r.unique.Add(s.uniq) >= s.r.expected {
		s.r.allOnce.Do(func() { close(s.r.all) })
	}
	s.recv, s.uniq = 0, 0
}

// publisher sends one publisher's messages and runs its window.
type publisher struct {
	r    *run
	id   uint32
	conn *client.Conn
	win  *client.Window // nil at QoS 0
	acks int64
	end  atomic.Int64 // Unix nanoseconds when every message was sent and acknowledged
}

func newPublisher(r *run, id uint32, c *client.Conn, qos codec.QoS) *publisher {
	p := &publisher{r: r, id: id, conn: c}
	if qos > 0 {
		p.win = client.NewWindow(min(r.cfg.Inflight, int(c.ServerReceiveMaximum)))
	}
	return p
}

// Message implements client.Handler; publishers subscribe to nothing.
func (p *publisher) Message(*codec.Publish) { p.r.foreign.Add(1) }

// Acked implements client.Handler.
func (p *publisher) Acked(id uint16, rc codec.ReasonCode) {
	if rc >= 0x80 {
		p.r.rejected.Add(1)
	}
	if p.win == nil || !p.win.Release(id) {
		p.r.badAcks.Add(1)
		return
	}
	p.acks++
}

// EndPass implements client.Handler.
func (p *publisher) EndPass() {
	if p.acks > 0 {
		p.r.acked.Add(p.acks)
		p.acks = 0
	}
}

// publish sends n messages, message i to topic(i), pacing them to
// cfg.Rate, then waits for every acknowledgement. start is the common
// start of all publishers.
func (p *publisher) publish(ctx context.Context, start time.Time, n int, qos codec.QoS, retain bool, topic func(i int) string) error {
	cfg := p.r.cfg
	pk := codec.Publish{QoS: qos, Retain: retain}
	payload := make([]byte, cfg.PayloadSize)
	for i := track.HeaderSize; i < len(payload); i++ {
		payload[i] = byte('a' + i%26)
	}
	buf := make([]byte, 0, max(cfg.Batch, 256)+cfg.PayloadSize+256)
	pending := int64(0)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := p.conn.Write(buf)
		buf = buf[:0]
		p.r.published.Add(pending)
		pending = 0
		return err
	}
	for i := range n {
		if qos > 0 {
			id, ok := p.win.TryAcquire()
			if !ok {
				if err := flush(); err != nil {
					return err
				}
				var err error
				if id, err = p.win.Acquire(ctx); err != nil {
					return err
				}
			}
			pk.PacketID = id
		}
		if cfg.Rate > 0 {
			due := start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if err := flush(); err != nil {
					return err
				}
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		pk.Topic = topic(i)
		track.Stamp(payload, p.id, uint32(i), time.Now().UnixNano())
		pk.Payload = payload
		buf = pk.AppendTo(buf, cfg.Version)
		pending++
		if len(buf) >= cfg.Batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if p.win != nil {
		if err := p.win.Drain(ctx); err != nil {
			return err
		}
	}
	p.end.Store(time.Now().UnixNano())
	return nil
}

// sampler reads the broker process around the measured phase.
type sampler struct {
	pid    int
	before procfs.Sample
	err    error
}

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid}
	if pid > 0 {
		s.before, s.err = procfs.Read(pid)
	}
	return s
}

// finish fills res's broker figures.
func (s *sampler) finish(res *Result) error {
	if s.pid <= 0 {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	after, err := procfs.Read(s.pid)
	if err != nil {
		return err
	}
	res.BrokerCPU = (after.CPU - s.before.CPU).Seconds()
	res.BrokerPeakRSS = after.PeakRSS
	return nil
}

// wait blocks until every expected message arrived and every publisher
// finished, or nothing progressed for cfg.Quiet, or cfg.MaxDuration passed
// since start. It reports whether the run timed out.
func (r *run) wait(ctx context.Context, start time.Time, pubsDone <-chan struct{}) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	all := r.all
	var allDone, pubDone bool
	progress := int64(-1)
	lastProgress := time.Now()
	for {
		if allDone && pubDone {
			return false
		}
		select {
		case <-all:
			allDone, all = true, nil
		case <-pubsDone:
			pubDone, pubsDone = true, nil
		case now := <-tick.C:
			p := r.published.Load() + r.acked.Load() + r.received.Load()
			if p != progress {
				progress, lastProgress = p, now
			}
			if now.Sub(lastProgress) > r.cfg.Quiet || now.Sub(start) > r.cfg.MaxDuration {
				return true
			}
		case <-ctx.Done():
			return true
		}
	}
}

// fillLatency merges the subscribers' histograms into res.
func fillLatency(res *Result, subs []*subscriber) {
	h := hdrhistogram.New(histMin, histMax, histDigits)
	for _, s := range subs {
		h.Merge(s.hist)
	}
	if h.TotalCount() == 0 {
		return
	}
	res.LatencyP50 = float64(h.ValueAtQuantile(50))
	res.LatencyP90 = float64(h.ValueAtQuantile(90))
	res.LatencyP99 = float64(h.ValueAtQuantile(99))
	res.LatencyMax = float64(h.Max())
}

// rate divides, returning 0 for an empty interval.
func rate(n int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(n) / seconds
}
