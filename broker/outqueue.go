// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"net"
	"sync"
	"time"
)

const (
	// chunkSize is the size of the pooled chunks small packets are copied
	// into; a burst of small packets becomes one vectored write.
	chunkSize = 16 << 10
	// smallChunkSize is the size of the chunk a packet queued on an empty
	// queue starts: most clients are sent a packet now and then, and one
	// 16 KiB chunk for each of them (a fan-out to thousands of
	// subscribers) was most of the broker's heap. The chunks after it,
	// while the queue is not empty, are full size.
	smallChunkSize = 2 << 10
	// refThreshold is the payload size above which a payload is queued by
	// reference (shared between subscribers) instead of copied.
	refThreshold = 2 << 10
)

var (
	chunkPool      = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}
	smallChunkPool = sync.Pool{New: func() any { b := make([]byte, 0, smallChunkSize); return &b }}
)

// getChunk returns an empty pooled chunk, a small one when small is set.
func getChunk(small bool) *[]byte {
	var p *[]byte
	if small {
		p = smallChunkPool.Get().(*[]byte)
	} else {
		p = chunkPool.Get().(*[]byte)
	}
	*p = (*p)[:0]
	return p
}

// putChunk returns a chunk from getChunk to its pool.
func putChunk(p *[]byte) {
	if cap(*p) == smallChunkSize {
		smallChunkPool.Put(p)
	} else {
		chunkPool.Put(p)
	}
}

// outQueue is a client's outbound queue, bounded in bytes. Producers (any
// goroutine routing a message) append encoded packets without blocking; a
// writer goroutine, started when the queue becomes non-empty and ended when
// it drains, flushes everything queued with one vectored write per pass.
// No lock is held during the write.
type outQueue struct {
	mu      sync.Mutex // guards every field below
	bufs    net.Buffers
	pooled  []*[]byte // chunks referenced by bufs, returned to the pool after writing
	tail    *[]byte   // chunk being filled, not yet in bufs
	queued  int       // bytes accepted and not yet written
	writing bool      // a writer goroutine is running
	closed  bool      // no more bytes are accepted
	// closeAfter asks the writer to close the connection once drained.
	closeAfter bool
	// linger, when above zero, makes that close shut only the write side
	// and bound the reader's remaining reads to linger (see conn.linger);
	// ncState records what was done to the connection.
	linger  time.Duration
	ncState ncState
	// cut is set by a close request from outside the reader (shutdown):
	// no linger starts any more, and one under way ends.
	cut bool
	// durable is set when a queued packet depends on session state that
	// storage must hold first (acknowledgements, QoS 1/2 PUBLISH, CONNACK,
	// SUBACK): the writer then waits for earlier writes to be durable
	// before it writes the batch. PINGRESP, a QoS 0 PUBLISH or a
	// DISCONNECT alone do not wait.
	durable bool
	// deferStart keeps enqueue from starting a writer goroutine while the
	// reader handles CONNECT: the reader flushes itself (flushInline).
	deferStart bool
	// stalled is set when publishers gave up waiting for this queue to
	// drain (see conn.waitForRoom); room is closed when it drains.
	stalled bool
	room    chan struct{}
	lowMark int // queued bytes at or below which room is signalled
}

// ncState is how far the outbound queue has closed its connection.
type ncState uint8

const (
	ncOpen      ncState = iota
	ncWriteShut         // write side shut, the reader lingers
	ncClosed
)

// closeAction is what the queue does to its connection once it is done.
type closeAction uint8

const (
	closeNothing closeAction = iota
	closeWrite               // shut the write side, bound the linger
	closeFull
)

// takeCloseLocked decides how the queue closes its connection now: fully,
// or only its write side when a linger was asked for and no close request
// came from outside the reader (cut), which also ends a linger under way.
func (q *outQueue) takeCloseLocked() closeAction {
	switch {
	case q.ncState == ncOpen && q.linger > 0 && !q.cut:
		q.ncState = ncWriteShut
		return closeWrite
	case q.ncState == ncOpen, q.ncState == ncWriteShut && q.cut:
		q.ncState = ncClosed
		return closeFull
	}
	return closeNothing
}

// closeWriter is a connection whose write side can be shut alone.
type closeWriter interface{ CloseWrite() error }

// apply carries out a close on nc; linger bounds the reads left to the
// reader after a write-side shutdown.
func (a closeAction) apply(nc net.Conn, linger time.Duration) {
	switch a {
	case closeWrite:
		if cw, ok := nc.(closeWriter); ok && cw.CloseWrite() == nil {
			_ = nc.SetReadDeadline(time.Now().Add(linger))
			return
		}
		_ = nc.Close()
	case closeFull:
		_ = nc.Close()
	}
}

// free returns how many more bytes fit within limit (0 once closed).
func (q *outQueue) free(limit int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0
	}
	return max(limit-q.queued, 0)
}

// reserve reports whether n more bytes fit within max; force ignores the
// bound (for control packets that must not be lost).
func (q *outQueue) fits(n, max int, force bool) bool {
	return force || q.queued+n <= max
}

// refLocked queues b by reference; b must not change afterwards. q.mu
// must be held.
func (q *outQueue) refLocked(b []byte) {
	q.queued += len(b)
	q.sealTailLocked()
	q.bufs = append(q.bufs, b)
}

// copyLocked copies b into the tail chunk; b is not retained. q.mu must be
// held.
func (q *outQueue) copyLocked(b []byte) {
	small := q.queued == 0
	q.queued += len(b)
	for len(b) > 0 {
		if q.tail == nil {
			q.tail = getChunk(small)
			small = false
		}
		t := *q.tail
		n := copy(t[len(t):cap(t)], b)
		*q.tail = t[:len(t)+n]
		b = b[n:]
		if len(*q.tail) == cap(*q.tail) {
			q.sealTailLocked()
		}
	}
}

func (q *outQueue) sealTailLocked() {
	if q.tail == nil {
		return
	}
	if len(*q.tail) == 0 {
		putChunk(q.tail)
	} else {
		q.bufs = append(q.bufs, *q.tail)
		q.pooled = append(q.pooled, q.tail)
	}
	q.tail = nil
}

// startLocked reports whether the caller must start a writer goroutine.
func (q *outQueue) startLocked() bool {
	if q.writing || q.closed && !q.closeAfter {
		return false
	}
	q.writing = true
	return true
}

// writer flushes the queue to nc until it is empty. gate, when not nil,
// runs before each write pass, after the pass's bytes were taken: an error
// fails the connection as a write error would. onErr is called once if a
// write fails; onDrained after the queue empties.
func (q *outQueue) writer(nc net.Conn, timeout time.Duration, gate func() error, onErr func(error), onDrained func(int)) {
	var total int
	for {
		q.mu.Lock()
		q.sealTailLocked()
		if len(q.bufs) == 0 {
			q.writing = false
			act := closeNothing
			if q.closeAfter {
				act = q.takeCloseLocked()
			}
			linger := q.linger
			q.bufs, q.pooled = nil, nil
			q.mu.Unlock()
			act.apply(nc, linger)
			onDrained(total)
			return
		}
		bufs, pooled := q.bufs, q.pooled
		durable := q.durable
		q.bufs, q.pooled, q.durable = nil, nil, false
		q.mu.Unlock()

		n := 0
		for _, b := range bufs {
			n += len(b)
		}
		var err error
		if gate != nil && durable {
			err = gate()
		}
		if err == nil {
			_ = nc.SetWriteDeadline(time.Now().Add(timeout))
			if len(bufs) == 1 {
				_, err = nc.Write(bufs[0]) // write(2) is cheaper than a one-element writev(2)
			} else {
				_, err = bufs.WriteTo(nc)
			}
		}
		for _, p := range pooled {
			putChunk(p)
		}
		q.mu.Lock()
		q.queued -= n
		if q.queued <= q.lowMark {
			q.stalled = false
			if q.room != nil {
				close(q.room)
				q.room = nil
			}
		}
		q.mu.Unlock()
		total += n
		if err != nil {
			q.mu.Lock()
			q.closed = true
			q.writing = false
			q.ncState = ncClosed
			q.dropLocked()
			if q.room != nil {
				close(q.room)
				q.room = nil
			}
			q.mu.Unlock()
			_ = nc.Close()
			onErr(err)
			return
		}
	}
}

// dropLocked discards everything queued.
func (q *outQueue) dropLocked() {
	for _, p := range q.pooled {
		putChunk(p)
	}
	if q.tail != nil {
		putChunk(q.tail)
	}
	q.bufs, q.pooled, q.tail, q.queued = nil, nil, nil, 0
}
