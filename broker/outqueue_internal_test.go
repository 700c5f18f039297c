// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"bytes"
	"testing"

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
