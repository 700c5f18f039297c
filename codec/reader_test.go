// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// countingReader counts Read calls on an underlying reader.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// oneByteReader returns one byte per Read, to exercise partial reads.
type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

// headerOnlyReader returns the given header bytes and then fails the test
// if it is read again: a Reader must not touch the body of a frame it
// rejects as too large.
type headerOnlyReader struct {
	t      *testing.T
	header []byte
	done   bool
}

func (r *headerOnlyReader) Read(p []byte) (int, error) {
	if r.done {
		r.t.Error("body of a too-large frame was read")
		return 0, io.ErrUnexpectedEOF
	}
	r.done = true
	return copy(p, r.header), nil
}

func frames(t *testing.T, v Version, ps ...Packet) []byte {
	t.Helper()
	var b []byte
	for _, p := range ps {
		var err error
		if b, err = Append(b, p, v); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestReaderSmallPacketsOneRead(t *testing.T) {
	stream := frames(t, V5,
		&Publish{Topic: "a/b", Payload: []byte("one")},
		&Puback{PacketID: 1},
		&Pingreq{},
		&Publish{QoS: 1, PacketID: 2, Topic: "c", Payload: []byte("two")},
	)
	cr := &countingReader{r: bytes.NewReader(stream)}
	r := NewReader(cr, 0)
	want := []Type{PUBLISH, PUBACK, PINGREQ, PUBLISH}
	for i, typ := range want {
		p, err := r.ReadPacket(V5)
		if err != nil || p.Type() != typ {
			t.Fatalf("packet %d: %v, %v; want %v", i, p, err, typ)
		}
	}
	if cr.reads != 1 {
		t.Errorf("%d reads for four small packets, want 1", cr.reads)
	}
	if _, err := r.ReadPacket(V5); err != io.EOF {
		t.Errorf("at end: %v, want io.EOF", err)
	}
}

func TestReaderOneByteAtATime(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 10000)
	stream := frames(t, V311,
		&Publish{Topic: "a", Payload: []byte("small")},
		&Publish{Topic: "b", Payload: big},
		&Subscribe{PacketID: 3, Subscriptions: []Subscription{{Filter: "a/#", QoS: 1}}},
	)
	r := NewReader(&oneByteReader{b: stream}, 0)
	p, err := r.ReadPacket(V311)
	if err != nil || string(p.(*Publish).Payload) != "small" {
		t.Fatalf("first: %v, %v", p, err)
	}
	p, err = r.ReadPacket(V311)
	if err != nil || !bytes.Equal(p.(*Publish).Payload, big) {
		t.Fatalf("big: %v", err)
	}
	p, err = r.ReadPacket(V311)
	if err != nil || p.(*Subscribe).Subscriptions[0].Filter != "a/#" {
		t.Fatalf("subscribe: %v, %v", p, err)
	}
	if _, _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestReaderTooLargeRejectedBeforeBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		max    int
		header string
	}{
		{"just over", 100, "3063"},      // 2 + 99 bytes
		{"huge", 1 << 20, "30ffffff7f"}, // 268,435,455-byte body
	} {
		t.Run(tc.name, func(t *testing.T) {
			hr := &headerOnlyReader{t: t, header: unhex(t, tc.header)}
			r := NewReader(hr, tc.max)
			h, body, err := r.ReadFrame()
			if !errors.Is(err, ErrPacketTooLarge) {
				t.Fatalf("got %+v, %d bytes, %v; want ErrPacketTooLarge", h, len(body), err)
			}
			wantCode(t, err, PacketTooLarge)
			if cap(r.body) != 0 {
				t.Errorf("body buffer of %d bytes allocated", cap(r.body))
			}
		})
	}
	// A frame of exactly the maximum is accepted.
	stream := frames(t, V311, &Publish{Topic: "t", Payload: make([]byte, 95)})
	if len(stream) != 100 {
		t.Fatalf("fixture is %d bytes", len(stream))
	}
	if _, _, err := NewReader(bytes.NewReader(stream), 100).ReadFrame(); err != nil {
		t.Fatalf("frame of exactly the maximum: %v", err)
	}
}

func TestReaderBufferReuse(t *testing.T) {
	a := bytes.Repeat([]byte("a"), 6000)
	b := bytes.Repeat([]byte("b"), 5000)
	stream := frames(t, V311,
		&Publish{Topic: "t", Payload: a},
		&Publish{Topic: "t", Payload: b},
		&Publish{Topic: "t", Payload: []byte("c")},
		&Publish{Topic: "t", Payload: []byte("d")},
	)
	r := NewReader(bytes.NewReader(stream), 8000)
	_, body1, err := r.ReadFrame()
	if err != nil || !bytes.HasSuffix(body1, a) {
		t.Fatalf("first: %v", err)
	}
	_, body2, err := r.ReadFrame()
	if err != nil || !bytes.HasSuffix(body2, b) {
		t.Fatalf("second: %v", err)
	}
	if &body1[0] != &body2[0] {
		t.Error("large-frame body buffer was not reused")
	}
	if cap(r.body) > 8000 {
		t.Errorf("body buffer grew to %d, beyond the maximum 8000", cap(r.body))
	}
	_, body3, _ := r.ReadFrame()
	_, body4, _ := r.ReadFrame()
	if string(body3[3:]) != "c" || string(body4[3:]) != "d" {
		t.Errorf("bodies %q %q", body3, body4)
	}
	// With warm buffers, a pass over the same frames allocates nothing.
	src := bytes.NewReader(stream)
	allocs := testing.AllocsPerRun(20, func() {
		src.Reset(stream)
		r.r, r.rpos, r.wpos, r.err = src, 0, 0, nil
		for range 4 {
			if _, _, err := r.ReadFrame(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pass over four frames with warm buffers", allocs)
	}
}

func TestReaderEOF(t *testing.T) {
	full := frames(t, V311, &Publish{Topic: "t", Payload: []byte("hello")})
	big := frames(t, V311, &Publish{Topic: "t", Payload: make([]byte, 5000)})
	for _, tc := range []struct {
		name   string
		stream []byte
		want   error
	}{
		{"empty stream", nil, io.EOF},
		{"in header", full[:1], io.ErrUnexpectedEOF},
		{"in body", full[:len(full)-1], io.ErrUnexpectedEOF},
		{"in large body", big[:len(big)-1], io.ErrUnexpectedEOF},
	} {
		_, _, err := NewReader(bytes.NewReader(tc.stream), 0).ReadFrame()
		if err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		_, _, err = NewReader(&oneByteReader{b: tc.stream}, 0).ReadFrame()
		if err != tc.want {
			t.Errorf("%s, one byte at a time: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestReaderMalformedHeader(t *testing.T) {
	r := NewReader(bytes.NewReader(unhex(t, "30ffffffff7f")), 0)
	_, _, err := r.ReadFrame()
	wantCode(t, err, MalformedPacket)
	r = NewReader(bytes.NewReader(unhex(t, "6000")), 0) // [MQTT-3.6.1-1]
	_, _, err = r.ReadFrame()
	wantCode(t, err, MalformedPacket)
}

// TestReaderGrowsBodyAsItArrives: the room for a large frame's body grows
// with what arrives, not with what the header announces, and a body
// split across many reads arrives intact.
func TestReaderGrowsBodyAsItArrives(t *testing.T) {
	header := unhex(t, "30f0ff3f") // PUBLISH, remaining length 1,048,560
	r := NewReader(io.MultiReader(bytes.NewReader(header), bytes.NewReader(make([]byte, 100))), 0)
	if _, _, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
	if cap(r.body) > bodyChunk {
		t.Errorf("%d bytes of body room for 100 bytes of body", cap(r.body))
	}

	payload := make([]byte, 300_000)
	for i := range payload {
		payload[i] = byte(i % 251)
	}
	stream := frames(t, V311, &Publish{Topic: "t", Payload: payload}, &Publish{Topic: "t", Payload: []byte("next")})
	r = NewReader(&chunkReader{b: stream, n: 1000}, 0)
	_, body, err := r.ReadFrame()
	if err != nil || !bytes.Equal(body[3:], payload) {
		t.Fatalf("large frame: %v, %d bytes", err, len(body))
	}
	_, body, err = r.ReadFrame()
	if err != nil || string(body[3:]) != "next" {
		t.Fatalf("frame after it: %v, %q", err, body)
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}
