// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/codec"
)

// Encoding a delivery's header allocates nothing, also for v5 forms with a
// message expiry and a topic alias (both properties are pointers).
func TestEncodeHeaderAllocatesNothing(t *testing.T) {
	now := time.Now()
	m := newMessage(&codec.Publish{Topic: "a/b", QoS: 1, Payload: []byte("x"),
		Properties: codec.Properties{MessageExpiry: codec.Ptr(uint32(60))}}, "c", 0, now)
	f := form{version: codec.V5, qos: 1, alias: 3}
	var buf [256]byte
	header, idOff := m.encodeHeader(buf[:0], f, now)
	var p codec.Publish
	require.NoError(t, p.Decode(0x02, append(header[2:len(header):len(header)], m.pub.Payload...), codec.V5))
	require.EqualValues(t, 60, *p.Properties.MessageExpiry)
	require.EqualValues(t, 3, *p.Properties.TopicAlias)
	require.Positive(t, idOff)
	require.Zero(t, testing.AllocsPerRun(100, func() { m.encodeHeader(buf[:0], f, now) }), "allocations per encodeHeader")
}
