// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A packet queued on an empty queue starts a small chunk, so that a client
// sent a packet now and then pins 2 KiB, not 16 KiB; the chunks after it,
// while the queue holds bytes, are full size, and every byte comes out in
// order across them.
func TestOutQueueStartsSmallChunks(t *testing.T) {
	var q outQueue
	q.mu.Lock()
	defer q.mu.Unlock()

	q.copyLocked([]byte("first"))
	require.NotNil(t, q.tail)
	require.Equal(t, smallChunkSize, cap(*q.tail), "a packet on an empty queue starts a small chunk")

	// Fill past the small chunk: the next chunk is full size.
	big := bytes.Repeat([]byte{'x'}, smallChunkSize)
	q.copyLocked(big)
	require.Len(t, q.pooled, 1, "the small chunk was filled and sealed")
	require.Equal(t, smallChunkSize, cap(*q.pooled[0]))
	require.Equal(t, chunkSize, cap(*q.tail), "a chunk started while bytes are queued is full size")

	q.sealTailLocked()
	var got []byte
	for _, b := range q.bufs {
		got = append(got, b...)
	}
	require.Equal(t, append([]byte("first"), big...), got)
	require.Equal(t, len(got), q.queued)

	// Chunks go back to the pool of their size.
	for _, p := range q.pooled {
		putChunk(p)
	}
	require.Equal(t, smallChunkSize, cap(*getChunk(true)))
	require.Equal(t, chunkSize, cap(*getChunk(false)))
	require.Empty(t, *getChunk(true), "a pooled chunk comes back empty")
	q.bufs, q.pooled, q.queued = nil, nil, 0
}

// TestTakeClose: how the outbound queue closes its connection, by state.
// A close request from outside the reader (cut: Server.Close, a takeover)
// is never turned into a linger, even when it arrived while the writer
// was still flushing, and it ends a linger under way.
func TestTakeClose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		state  ncState
		linger bool
		cut    bool
		want   closeAction
		after  ncState
	}{
		{"open, no linger", ncOpen, false, false, closeFull, ncClosed},
		{"open, linger armed", ncOpen, true, false, closeWrite, ncWriteShut},
		{"open, linger armed, close asked for from outside", ncOpen, true, true, closeFull, ncClosed},
		{"lingering, the reader's own request", ncWriteShut, true, false, closeNothing, ncWriteShut},
		{"lingering, close asked for from outside", ncWriteShut, true, true, closeFull, ncClosed},
		{"closed", ncClosed, true, true, closeNothing, ncClosed},
	} {
		q := &outQueue{ncState: tc.state, cut: tc.cut}
		if tc.linger {
			q.linger = time.Second
		}
		require.Equal(t, tc.want, q.takeCloseLocked(), tc.name)
		require.Equal(t, tc.after, q.ncState, tc.name)
	}
}
