// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/wrenmq/wrenmq/codec"
)

var versions = []codec.Version{codec.V31, codec.V311, codec.V5}

// recordingReader serves data in at most two Read calls, split at cut,
// and records the largest buffer it was asked to fill.
type recordingReader struct {
	parts   [][]byte
	largest int
}

func newRecordingReader(data []byte, cut int) *recordingReader {
	return &recordingReader{parts: [][]byte{data[:cut], data[cut:]}}
}

func (r *recordingReader) Read(p []byte) (int, error) {
	r.largest = max(r.largest, len(p))
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

// readAll reads packets until the first error and returns a transcript
// (one line per packet or error) that must not depend on how the input
// was split across Read calls.
func readAll(t *testing.T, data []byte, cut, maxSize int, v codec.Version) string {
	rr := newRecordingReader(data, cut)
	r := codec.NewReader(rr, maxSize)
	var out bytes.Buffer
	for i := 0; ; i++ {
		h, body, err := r.ReadFrame()
		if err != nil {
			fmt.Fprintf(&out, "end: %s\n", errClass(err))
			break
		}
		if size := headerSize(h.RemainingLength) + len(body); size > maxSize {
			t.Fatalf("frame %d of %d bytes exceeds the maximum %d", i, size, maxSize)
		}
		p, err := codec.Decode(h, body, v)
		if err != nil {
			fmt.Fprintf(&out, "packet %d: %s\n", i, errClass(err))
			continue
		}
		checkRoundTrip(t, p, v)
		fmt.Fprintf(&out, "packet %d: %x\n", i, p.AppendTo(nil, v))
	}
	// The read-ahead buffer is never larger than the maximum packet size
	// (or a small floor needed to hold a fixed header).
	if limit := max(maxSize, 16); rr.largest > limit {
		t.Fatalf("a single Read asked for %d bytes; maximum packet size %d", rr.largest, maxSize)
	}
	return out.String()
}

func headerSize(rl int) int {
	n := 2
	for rl >= 128 {
		rl >>= 7
		n++
	}
	return n
}

// errClass reduces an error to what a caller may rely on.
func errClass(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, codec.ErrPacketTooLarge):
		return "too large"
	}
	var ce *codec.Error
	if !errors.As(err, &ce) {
		return "not a *codec.Error: " + err.Error()
	}
	return fmt.Sprintf("0x%02X", byte(ce.Code))
}

// checkRoundTrip re-encodes an accepted packet and decodes it again.
func checkRoundTrip(t *testing.T, p codec.Packet, v codec.Version) {
	t.Helper()
	if c, ok := p.(*codec.Connect); ok {
		v = c.ProtocolVersion // a CONNECT carries its own version
	}
	wire := p.AppendTo(nil, v)
	q, err := decodeWhole(wire, v)
	if err != nil {
		t.Fatalf("re-encoded %T does not decode: %v\n% x", p, err, wire)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip changed the packet:\n got %#v\nwant %#v", q, p)
	}
	if err := p.Validate(v); err != nil {
		// Decode leaves checks a server answers per item (SUBACK or
		// UNSUBACK 0x8F for one bad topic filter) to the caller; nothing
		// else may be accepted on decode and refused on encode.
		switch p.(type) {
		case *codec.Subscribe, *codec.Unsubscribe:
			if codec.CodeOf(err) == codec.TopicFilterInvalid {
				return
			}
		}
		t.Fatalf("decoded %T fails Validate: %v", p, err)
	}
	enc, err := codec.Append(nil, p, v)
	if err != nil || !bytes.Equal(enc, wire) {
		t.Fatalf("Append = % x, %v; AppendTo = % x", enc, err, wire)
	}
}

func addSeeds(f *testing.F, add func(s seed, v codec.Version)) {
	for _, s := range loadSeeds(f) {
		for _, v := range s.versions {
			add(s, v)
		}
	}
}

// FuzzReader feeds arbitrary streams to codec.Reader at every version,
// whole and split in two at every offset.
func FuzzReader(f *testing.F) {
	addSeeds(f, func(s seed, _ codec.Version) { f.Add(s.wire, uint16(256)) })
	seeds := loadSeeds(f)
	// A few streams of several packets.
	var all []byte
	for _, s := range seeds {
		if s.ok && len(s.wire) < 200 {
			all = append(all, s.wire...)
		}
	}
	f.Add(all[:min(len(all), 1024)], uint16(4096))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		maxSize := int(limit)%8192 + 2
		for _, v := range versions {
			whole := readAll(t, data, len(data), maxSize, v)
			step := max(1, len(data)/64) // bound the work on long inputs
			for cut := 0; cut < len(data); cut += step {
				if got := readAll(t, data, cut, maxSize, v); got != whole {
					t.Fatalf("v%d: split at %d gives\n%s\nwhole input gives\n%s", v, cut, got, whole)
				}
			}
		}
	})
}

// FuzzDecode decodes one frame at one version.
func FuzzDecode(f *testing.F) {
	addSeeds(f, func(s seed, v codec.Version) { f.Add(byte(v), s.wire) })
	f.Fuzz(func(t *testing.T, ver byte, data []byte) {
		v := versions[int(ver)%len(versions)]
		h, n, err := codec.ParseHeader(data)
		if err != nil {
			if !errors.Is(err, codec.ErrIncomplete) && codec.CodeOf(err) != codec.MalformedPacket {
				t.Fatalf("ParseHeader: %v", err)
			}
			return
		}
		if n+h.RemainingLength > len(data) {
			return
		}
		p, err := codec.Decode(h, data[n:n+h.RemainingLength], v)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) || !ce.Code.IsError() || ce.Field == "" {
				t.Fatalf("Decode error %v is not an *codec.Error with a field and a failure code", err)
			}
			return
		}
		if p.Type() != h.Type {
			t.Fatalf("Decode gave %T for type %v", p, h.Type)
		}
		checkRoundTrip(t, p, v)
	})
}

// FuzzTopicMatch compares codec.MatchTopic with the reference matcher.
func FuzzTopicMatch(f *testing.F) {
	for _, c := range matchCases {
		f.Add(c.filter, c.topic)
	}
	f.Fuzz(func(t *testing.T, filter, topic string) {
		got := codec.MatchTopic(filter, topic) // must not panic on anything
		if codec.ValidateTopicFilter(filter) != nil || codec.ValidateTopicName(topic) != nil {
			return
		}
		if want := refMatch(filter, topic); got != want {
			t.Fatalf("MatchTopic(%q, %q) = %v, reference says %v", filter, topic, got, want)
		}
	})
}
