// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode selects when a write counts as done.
type Mode int

const (
	// ModeSync completes a write's [Done] only when its batch is durable
	// in the backend. It is the default.
	ModeSync Mode = iota
	// ModeAsync completes a write's [Done] at once and writes it within
	// Options.FlushInterval; see the package documentation for the loss
	// window.
	ModeAsync
)

// String returns "sync" or "async".
func (m Mode) String() string {
	if m == ModeAsync {
		return "async"
	}
	return "sync"
}

// Options configure a [Store]. Zero fields take the documented defaults.
type Options struct {
	// Mode is the durability mode; the default is ModeSync.
	Mode Mode
	// FlushInterval is, in ModeAsync, how long after the first write of a
	// batch the batch is written at the latest (default 10ms).
	FlushInterval time.Duration
	// MaxBatchOps and MaxBatchBytes bound one Apply (defaults 1024 ops and
	// 4 MiB; a single larger write gets a batch of its own).
	MaxBatchOps   int
	MaxBatchBytes int
	// MaxQueueOps and MaxQueueBytes bound the writes waiting for the
	// backend (defaults 65,536 ops and 64 MiB). Writes never wait: their
	// makers call [Store.WaitRoom] once they hold no lock, which waits
	// while the queue is past these bounds.
	MaxQueueOps   int
	MaxQueueBytes int
	// RetryMin and RetryMax bound the exponential backoff between attempts
	// to write a failed batch (defaults 50ms and 5s).
	RetryMin time.Duration
	RetryMax time.Duration
	// Logger receives failures and recoveries; default slog.Default().
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&o.FlushInterval, 10*time.Millisecond)
	def(&o.MaxBatchOps, 1024)
	def(&o.MaxBatchBytes, 4<<20)
	def(&o.MaxQueueOps, 65536)
	def(&o.MaxQueueBytes, 64<<20)
	defDur(&o.RetryMin, 50*time.Millisecond)
	defDur(&o.RetryMax, 5*time.Second)
	if o.RetryMax < o.RetryMin {
		o.RetryMax = o.RetryMin
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Stats are counters of a [Store].
type Stats struct {
	// QueuedOps and QueuedBytes are the writes not yet durable, including
	// the batch being written.
	QueuedOps   int
	QueuedBytes int
	// Batches and Ops count successful Apply calls and the ops they wrote.
	Batches uint64
	Ops     uint64
	// Failures counts failed Apply attempts (each is retried).
	Failures uint64
	// Blocked counts WaitRoom calls that waited for room in a full queue.
	Blocked uint64
	// Abandoned counts writes dropped because Close gave up on them.
	Abandoned uint64
}

// opOverhead is what a queued op costs beyond its key and value bytes.
const opOverhead = 64

// arenaChunk is the size of the byte chunks queued ops are copied into.
const arenaChunk = 64 << 10

type opKind byte

const (
	opPut opKind = iota
	opDelete
	opDeletePrefix
)

// qop is a queued op; key and value point into its segment's arena.
type qop struct {
	key, value []byte
	kind       opKind
}

// segment is a batch of queued ops written with one Apply.
type segment struct {
	ops    []qop
	arena  []byte
	bytes  int
	first  time.Time // when the first op was added
	commit *commit
	// sealed closes the segment to new writes although a Hold may be
	// open (see Store.sealing): the writer may take it.
	sealed bool
}

func (g *segment) add(key, value []byte, kind opKind, size int) {
	n := len(key) + len(value)
	if cap(g.arena)-len(g.arena) < n {
		g.arena = make([]byte, 0, max(n, arenaChunk))
	}
	start := len(g.arena)
	g.arena = append(g.arena, key...)
	g.arena = append(g.arena, value...)
	b := g.arena[start:len(g.arena):len(g.arena)]
	g.ops = append(g.ops, qop{key: b[:len(key):len(key)], value: b[len(key):], kind: kind})
	g.bytes += size
}

// commit is the completion of one segment, shared by the Done of every
// write in it.
type commit struct {
	done chan struct{}
	err  error // written before done is closed
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Done is the completion of a write. The zero Done is complete with no
// error; in ModeAsync every write returns it unless the write was refused.
type Done struct{ c *commit }

func failedDone(err error) Done {
	return Done{&commit{done: closedChan, err: err}}
}

// C returns a channel that is closed when the write is complete.
func (d Done) C() <-chan struct{} {
	if d.c == nil {
		return closedChan
	}
	return d.c.done
}

// Err returns the write's error once C is closed: nil when it is durable,
// otherwise an error wrapping [ErrClosed] or describing a refused write.
func (d Done) Err() error {
	if d.c == nil {
		return nil
	}
	select {
	case <-d.c.done:
		return d.c.err
	default:
		return nil
	}
}

// Wait blocks until the write is complete or ctx is done and returns the
// write's error or ctx's.
func (d Done) Wait(ctx context.Context) error {
	if d.c == nil {
		return nil
	}
	select {
	case <-d.c.done:
		return d.c.err
	case <-ctx.Done():
		return fmt.Errorf("storage: wait for write: %w", ctx.Err())
	}
}

// Store writes records to a [Backend] through a bounded queue and one
// writer goroutine; see the package documentation. Create it with
// [NewStore] and end it with [Store.Close].
type Store struct {
	backend Backend
	opts    Options
	log     *slog.Logger

	mu sync.Mutex // guards the fields below up to space
	// segs is the FIFO of batches waiting to be written; new writes go to
	// the last one until it is full.
	segs        []*segment
	free        []*segment // recycled segments
	queuedOps   int        // ops in segs and in the batch being written
	queuedBytes int
	applying    *commit // commit of the batch being written, or nil
	idle        bool    // the writer is waiting and wants a wake-up
	flushReq    bool    // write everything queued without waiting
	held        int     // Hold calls not yet released: the last segment stays open
	// sealing is set while the last segment should close (it is full, or
	// the writer wants it) but Holds are open: it closes when the last
	// of them is released. Meanwhile WaitTurn callers wait, so a stream
	// of overlapping Holds cannot keep the writer from its batch and grow
	// that batch without bound. sealFlag mirrors it for WaitTurn's fast
	// path.
	sealing  bool
	sealFlag atomic.Bool
	closing  bool
	space    *sync.Cond // on mu; signalled when queue room is freed or on close
	// over is set while the queue is past MaxQueueOps or MaxQueueBytes:
	// WaitRoom's fast path.
	over atomic.Bool
	turn *sync.Cond // on mu; signalled when a seal completes or on close

	wake   chan struct{} // capacity 1; nudges the writer
	ctx    context.Context
	cancel context.CancelFunc // abandons the writes still queued
	exited chan struct{}      // closed when the writer returns

	batch     []Op // the writer's Apply buffer, reused
	closeOnce sync.Once
	closeErr  error

	healthy                                         atomic.Bool
	batches, ops, failures, blocked, abandonedCount atomic.Uint64
}

// NewStore starts a Store writing to b. The Store owns b from now on and
// closes it in [Store.Close]; it must be b's only writer.
func NewStore(b Backend, opts Options) *Store {
	opts.setDefaults()
	s := &Store{
		backend: b,
		opts:    opts,
		log:     opts.Logger,
		wake:    make(chan struct{}, 1),
		exited:  make(chan struct{}),
	}
	s.space = sync.NewCond(&s.mu)
	s.turn = sync.NewCond(&s.mu)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.healthy.Store(true)
	go s.run()
	return s
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// write encodes a record with enc (which returns the key and value
// appended to dst, and the key's length) and queues it.
func (s *Store) write(what string, kind opKind, enc func(dst []byte) ([]byte, int, error)) Done {
	bp := bufPool.Get().(*[]byte)
	kv, klen, err := enc((*bp)[:0])
	if err != nil {
		*bp = kv[:0]
		bufPool.Put(bp)
		return failedDone(fmt.Errorf("storage: %s: %w", what, err))
	}
	d := s.enqueue(kv[:klen], kv[klen:], kind)
	if cap(kv) <= 64<<10 {
		*bp = kv[:0]
		bufPool.Put(bp)
	}
	return d
}

// enqueue copies the op into the queue. It never waits for room: its
// caller may hold locks (the broker writes a session's records under the
// session's lock, in the order of its changes), and one waiting there
// would stall everyone needing them, or deadlock with a Hold's owner. The
// bound is kept by WaitRoom, which writers call once they hold no lock.
func (s *Store) enqueue(key, value []byte, kind opKind) Done {
	size := len(key) + len(value) + opOverhead
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return failedDone(fmt.Errorf("storage: write: %w", ErrClosed))
	}
	var seg *segment
	if n := len(s.segs); n > 0 {
		seg = s.segs[n-1]
	}
	full := seg != nil && (len(seg.ops) >= s.opts.MaxBatchOps ||
		(len(seg.ops) > 0 && seg.bytes+size > s.opts.MaxBatchBytes))
	if seg == nil || seg.sealed || full && s.held == 0 {
		seg = s.newSegment()
		s.segs = append(s.segs, seg)
	} else if full {
		s.requestSealLocked()
	}
	if len(seg.ops) == 0 {
		seg.first = time.Now()
	}
	seg.add(key, value, kind, size)
	s.queuedOps++
	s.queuedBytes += size
	s.noteRoomLocked()
	c := seg.commit
	nudge := s.idle && (s.opts.Mode == ModeSync || len(seg.ops) == 1 || len(seg.ops) >= s.opts.MaxBatchOps)
	if nudge {
		s.idle = false
	}
	s.mu.Unlock()
	if nudge {
		s.nudge()
	}
	if s.opts.Mode == ModeAsync {
		return Done{}
	}
	return Done{c}
}

// newSegment returns an empty segment; s.mu is held.
func (s *Store) newSegment() *segment {
	var g *segment
	if n := len(s.free); n > 0 {
		g = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		g = &segment{ops: make([]qop, 0, 64)}
	}
	g.commit = &commit{done: make(chan struct{})}
	g.sealed = false
	return g
}

// requestSealLocked asks for the last segment to close once no Hold is
// open; s.mu is held and a Hold is open.
func (s *Store) requestSealLocked() {
	if !s.sealing {
		s.sealing = true
		s.sealFlag.Store(true)
	}
}

// endSealLocked stops a seal request and lets WaitTurn callers go on; s.mu
// is held.
func (s *Store) endSealLocked() {
	if s.sealing {
		s.sealing = false
		s.sealFlag.Store(false)
		s.turn.Broadcast()
	}
}

func (s *Store) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// noteRoomLocked updates the over flag after the queue changed; s.mu is
// held.
func (s *Store) noteRoomLocked() {
	over := s.queuedOps >= s.opts.MaxQueueOps || s.queuedBytes >= s.opts.MaxQueueBytes
	if over != s.over.Load() {
		s.over.Store(over)
	}
}

// Hold keeps every write made until the matching Release in one batch, so
// that they reach the backend together, atomically where the backend's
// batches are (Badger transactions, Redis MULTI/EXEC, the memory backend).
// The broker holds around the writes of one publish (its routed copies and
// the inbound QoS 2 record), so a crash can never leave half of them.
// Holds are short; other writers' records made meanwhile join the batch.
func (s *Store) Hold() {
	s.mu.Lock()
	s.held++
	s.mu.Unlock()
}

// Release ends a Hold; the batch may then be written.
func (s *Store) Release() {
	s.mu.Lock()
	s.held--
	if s.held == 0 && s.sealing {
		if n := len(s.segs); n > 0 && len(s.segs[n-1].ops) > 0 {
			s.segs[n-1].sealed = true
		}
		s.endSealLocked()
	}
	wake := s.held == 0 && s.idle && len(s.segs) > 0
	if wake {
		s.idle = false
	}
	s.mu.Unlock()
	if wake {
		s.nudge()
	}
}

// WaitTurn blocks while the store waits for the open Holds to end so that
// the open batch can close (it is full, or the writer is ready for it).
// A caller about to Hold, and holding no lock that a Hold's owner may
// need, calls it first: Holds that overlap without a gap would otherwise
// keep the writer from the batch indefinitely while it grows past every
// bound. It returns at once in the common case.
func (s *Store) WaitTurn() {
	if !s.sealFlag.Load() {
		return
	}
	s.mu.Lock()
	for s.sealing && s.held > 0 && !s.closing {
		s.turn.Wait()
	}
	s.mu.Unlock()
}

// WaitRoom blocks until the queue is within its bounds (MaxQueueOps,
// MaxQueueBytes) or the store is closing. Writes never wait for room
// themselves, since their makers may hold locks; a maker calls WaitRoom
// once it holds no lock and no Hold (the broker: a client's reader after
// each packet), so the queue stays bounded and a slow backend slows the
// clients that write. It returns at once while there is room.
func (s *Store) WaitRoom() {
	if !s.over.Load() {
		return
	}
	s.mu.Lock()
	waited := false
	for !s.closing && s.queuedOps > 0 &&
		(s.queuedOps >= s.opts.MaxQueueOps || s.queuedBytes >= s.opts.MaxQueueBytes) {
		if !waited {
			waited = true
			s.blocked.Add(1)
		}
		s.space.Wait()
	}
	s.mu.Unlock()
}

// Flush waits until every write queued before the call is durable, or
// ctx is done. In ModeAsync it writes the queue without waiting for
// FlushInterval. While the backend fails Flush keeps waiting.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	var c *commit
	if n := len(s.segs); n > 0 {
		c = s.segs[n-1].commit
		s.flushReq = true
	} else {
		c = s.applying
	}
	if c == nil {
		s.mu.Unlock()
		return nil
	}
	// Only a Flush that nudges may clear idle: an idle writer waits for a
	// nudge, and enqueue nudges only while idle is set.
	s.idle = false
	s.mu.Unlock()
	s.nudge()
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Errorf("storage: flush: %w", c.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("storage: flush: %w", ctx.Err())
	}
}

// Healthy reports whether the last attempt to write to the backend
// succeeded and the store is open; a readiness check reports not-ready
// while it is false.
func (s *Store) Healthy() bool {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	return !closing && s.healthy.Load()
}

// Ping checks that the backend is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.backend.Ping(ctx); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	st := Stats{QueuedOps: s.queuedOps, QueuedBytes: s.queuedBytes}
	s.mu.Unlock()
	st.Batches = s.batches.Load()
	st.Ops = s.ops.Load()
	st.Failures = s.failures.Load()
	st.Blocked = s.blocked.Load()
	st.Abandoned = s.abandonedCount.Load()
	return st
}

// Close stops accepting writes, waits until everything queued is written
// (retrying a failing backend) or ctx is done, and closes the backend.
// When ctx ends first, the remaining writes are abandoned: their Done
// reports ErrClosed and Close returns an error saying how many were lost.
// Later calls return nil.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.space.Broadcast()
		s.turn.Broadcast()
		s.mu.Unlock()
		s.nudge()
		var errs []error
		select {
		case <-s.exited:
		case <-ctx.Done():
			s.cancel()
			<-s.exited
			n := s.abandonedCount.Load()
			s.log.Error("storage: close gave up; writes lost", "abandoned", n, "err", ctx.Err())
			errs = append(errs, fmt.Errorf("storage: close: %d writes abandoned: %w", n, ctx.Err()))
		}
		s.cancel()
		if err := s.backend.Close(); err != nil {
			errs = append(errs, fmt.Errorf("storage: close backend: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	<-s.exited
	return s.closeErr
}

// run is the writer goroutine.
func (s *Store) run() {
	defer close(s.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		seg := s.next(timer)
		if seg == nil {
			return
		}
		s.finish(seg, s.writeSegment(seg, timer))
	}
}

// next waits for the next batch to write; nil means the store is closed
// and drained.
func (s *Store) next(timer *time.Timer) *segment {
	s.mu.Lock()
	for {
		var wait time.Duration = -1
		// While a Hold is open the last segment stays open to its writes,
		// unless sealed.
		if len(s.segs) > 1 || len(s.segs) == 1 && (s.held == 0 || s.segs[0].sealed) {
			seg := s.segs[0]
			wait = 0
			if s.opts.Mode == ModeAsync && !s.closing && !s.flushReq && len(s.segs) == 1 &&
				len(seg.ops) < s.opts.MaxBatchOps {
				wait = s.opts.FlushInterval - time.Since(seg.first)
			}
			if wait <= 0 {
				copy(s.segs, s.segs[1:])
				s.segs[len(s.segs)-1] = nil
				s.segs = s.segs[:len(s.segs)-1]
				if len(s.segs) == 0 {
					s.flushReq = false
				}
				s.applying = seg.commit
				s.mu.Unlock()
				return seg
			}
		} else if len(s.segs) == 1 && len(s.segs[0].ops) > 0 {
			// The batch is open to a Hold: once it is due, ask for it to
			// close when the Holds end (Release nudges the writer).
			wait = -1
			if s.opts.Mode == ModeAsync && !s.closing && !s.flushReq {
				wait = s.opts.FlushInterval - time.Since(s.segs[0].first)
			}
			if wait <= 0 {
				wait = -1
				s.requestSealLocked()
			}
		} else if s.closing && len(s.segs) == 0 {
			s.mu.Unlock()
			return nil
		}
		s.idle = true
		s.mu.Unlock()
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-s.wake:
			case <-timer.C:
			}
			timer.Stop()
		} else {
			<-s.wake
		}
		s.mu.Lock()
	}
}

// writeSegment writes one batch, retrying with backoff until it succeeds
// or the store gives up at Close.
func (s *Store) writeSegment(seg *segment, timer *time.Timer) error {
	backoff := s.opts.RetryMin
	var down time.Time
	for attempt := 1; ; attempt++ {
		err := s.applySegment(seg)
		if err == nil {
			if attempt > 1 {
				s.log.Info("storage: backend recovered", "attempts", attempt, "down", time.Since(down).Round(time.Millisecond))
			}
			s.healthy.Store(true)
			return nil
		}
		s.failures.Add(1)
		s.healthy.Store(false)
		if s.ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrClosed, err)
		}
		if attempt == 1 {
			down = time.Now()
		}
		if attempt == 1 || attempt%10 == 0 {
			s.log.Warn("storage: write failed; retrying", "attempt", attempt, "ops", len(seg.ops),
				"queued", s.Stats().QueuedOps, "retry_in", backoff, "err", err)
		}
		timer.Reset(backoff)
		select {
		case <-timer.C:
		case <-s.ctx.Done():
			timer.Stop()
		}
		backoff = min(2*backoff, s.opts.RetryMax)
	}
}

// applySegment expands session deletes and applies the batch once.
func (s *Store) applySegment(seg *segment) error {
	ops := s.batch[:0]
	defer func() {
		clear(ops)
		s.batch = ops[:0]
	}()
	var px *prefixDeletes // made at the batch's first prefix delete
	for i := range seg.ops {
		q := &seg.ops[i]
		if q.kind != opDeletePrefix {
			ops = append(ops, Op{Key: q.key, Value: q.value, Delete: q.kind == opDelete})
			if px != nil {
				px.note(q.key, q.kind == opPut)
			}
			continue
		}
		if px == nil {
			px = newPrefixDeletes(ops)
		}
		var err error
		if ops, err = px.expand(s, ops, q.key); err != nil {
			return fmt.Errorf("storage: delete records under %q: %w", q.key, err)
		}
	}
	if err := s.backend.Apply(s.ctx, ops); err != nil {
		return fmt.Errorf("storage: write batch of %d ops: %w", len(ops), err)
	}
	s.batches.Add(1)
	s.ops.Add(uint64(len(ops)))
	return nil
}

// prefixDeletes turns the prefix deletes of one batch (a session's end)
// into deletes of the keys they cover: those in the backend and those put
// earlier in the batch. A client that ends and starts its session many
// times within one batch costs each key once: a key already deleted in
// the batch is not deleted again, and a prefix already scanned is not
// scanned again (every backend key under it was deleted then; the puts
// since are known). Before, every expansion repeated the earlier ones'
// deletes, and one chaos run built a batch of 852,751 operations.
type prefixDeletes struct {
	live    map[string]bool     // keys written in the batch: true if put last, false if deleted
	groups  map[string][]string // keys of live by storage group (see GroupLen)
	scanned map[string]bool     // prefixes whose backend keys are deleted in the batch
}

func newPrefixDeletes(ops []Op) *prefixDeletes {
	px := &prefixDeletes{live: map[string]bool{}, groups: map[string][]string{}, scanned: map[string]bool{}}
	for _, op := range ops {
		px.note(op.Key, !op.Delete)
	}
	return px
}

// note records a write of key in the batch.
func (px *prefixDeletes) note(key []byte, put bool) {
	k := string(key)
	if _, seen := px.live[k]; !seen {
		g := k[:GroupLen(key)]
		px.groups[g] = append(px.groups[g], k)
	}
	px.live[k] = put
}

// expand appends deletes of every live key under prefix.
func (px *prefixDeletes) expand(s *Store, ops []Op, prefix []byte) ([]Op, error) {
	start := len(ops)
	ops, err := px.expandKeys(s, ops, prefix)
	if err == nil && len(prefix) > 0 && prefix[0] == nsHashedClient {
		// The identity record goes last: should a backend apply only part
		// of the batch (Badger splits large ones), what is left can still
		// be named at Restore, and deleted.
		ops = identityLast(ops, start, string(prefix)+string(rune(kindIdentity)))
	}
	return ops, err
}

// expandKeys is expand without the ordering of identity records.
func (px *prefixDeletes) expandKeys(s *Store, ops []Op, prefix []byte) ([]Op, error) {
	p := string(prefix)
	del := func(k string) {
		if put, seen := px.live[k]; seen && !put {
			return // already deleted in this batch
		}
		ops = append(ops, Op{Key: []byte(k), Delete: true})
		px.note([]byte(k), false)
	}
	if !px.scanned[p] {
		var keys []string
		err := s.backend.Scan(s.ctx, prefix, func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
		if err != nil {
			return ops, err
		}
		for _, k := range keys {
			del(k)
		}
		px.scanned[p] = true
	}
	if GroupLen(prefix) == len(prefix) && len(prefix) > 0 {
		// A session's prefix is its group: its keys are listed together.
		for _, k := range px.groups[p] {
			del(k)
		}
		return ops, nil
	}
	for k := range px.live {
		if strings.HasPrefix(k, p) {
			del(k)
		}
	}
	return ops, nil
}

// identityLast moves the delete of identity key among ops[start:] to the
// end.
func identityLast(ops []Op, start int, identity string) []Op {
	for i := start; i < len(ops)-1; i++ {
		if ops[i].Delete && string(ops[i].Key) == identity {
			op := ops[i]
			copy(ops[i:], ops[i+1:])
			ops[len(ops)-1] = op
			break
		}
	}
	return ops
}

// finish releases a written batch's room and completes its Done.
func (s *Store) finish(seg *segment, err error) {
	c := seg.commit
	if err != nil {
		s.abandonedCount.Add(uint64(len(seg.ops)))
	}
	s.mu.Lock()
	s.queuedOps -= len(seg.ops)
	s.queuedBytes -= seg.bytes
	s.noteRoomLocked()
	s.applying = nil
	s.space.Broadcast()
	clear(seg.ops)
	seg.ops = seg.ops[:0]
	seg.arena = seg.arena[:0]
	seg.bytes = 0
	seg.commit = nil
	if len(s.free) < 4 && cap(seg.arena) <= arenaChunk {
		s.free = append(s.free, seg)
	}
	s.mu.Unlock()
	c.err = err
	close(c.done)
}
