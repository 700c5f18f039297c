// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"io"
)

// readBufSize is the size of the read-ahead buffer: most MQTT packets fit,
// so a read pass usually costs one system call for several packets.
const readBufSize = 4096

// bodyChunk is the first room made for the body of a frame larger than
// the read-ahead buffer.
const bodyChunk = 64 << 10

// maxEmptyReads bounds how often an io.Reader may return (0, nil) in a row.
const maxEmptyReads = 100

// Reader splits a byte stream into MQTT frames. It reads ahead through an
// internal buffer, checks each frame's size against a maximum from its
// fixed header before reading or allocating room for its body, and reuses
// its buffers between frames.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	r    io.Reader
	max  int
	buf  []byte // read-ahead buffer; unread bytes are buf[rpos:wpos]
	rpos int
	wpos int
	body []byte // body of a frame larger than buf, grown as it arrives up to max
	err  error  // error of the underlying reader, returned once buf is drained
}

// NewReader returns a Reader of frames from r that rejects any frame whose
// total size (fixed header and body) exceeds maxPacketSize bytes. A
// maxPacketSize of 0 (or larger than the protocol allows) means the
// protocol maximum: a Remaining Length of 268,435,455 plus the header.
func NewReader(r io.Reader, maxPacketSize int) *Reader {
	if maxPacketSize <= 0 || maxPacketSize > MaxVarInt+MaxHeaderSize {
		maxPacketSize = MaxVarInt + MaxHeaderSize
	}
	size := max(min(readBufSize, maxPacketSize), 2*MaxHeaderSize)
	return &Reader{r: r, max: maxPacketSize, buf: make([]byte, size)}
}

// fill compacts the buffer and reads once into its free space.
func (r *Reader) fill() error {
	if r.rpos > 0 {
		r.wpos = copy(r.buf, r.buf[r.rpos:r.wpos])
		r.rpos = 0
	}
	if r.err != nil {
		return r.err
	}
	for range maxEmptyReads {
		n, err := r.r.Read(r.buf[r.wpos:])
		r.wpos += n
		if err != nil {
			r.err = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	r.err = io.ErrNoProgress
	return r.err
}

// ReadFrame reads the next frame and returns its fixed header and body.
//
// The body is owned by the Reader and is valid only until the next call
// to ReadFrame or ReadPacket; callers that keep any part of it must copy
// it. A frame larger than the maximum fails with an *Error carrying
// PacketTooLarge (0x95) and ErrPacketTooLarge before any of its body is
// read or any room for it is allocated; the stream cannot be resumed
// after that. At a frame boundary the end of the stream gives io.EOF,
// inside a frame io.ErrUnexpectedEOF.
func (r *Reader) ReadFrame() (FixedHeader, []byte, error) {
	var (
		h   FixedHeader
		n   int
		err error
	)
	for {
		h, n, err = ParseHeader(r.buf[r.rpos:r.wpos])
		if err == nil {
			break
		}
		if !errors.Is(err, ErrIncomplete) {
			return FixedHeader{}, nil, err
		}
		if err := r.fill(); err != nil {
			return FixedHeader{}, nil, r.eof(err, r.rpos == r.wpos)
		}
	}
	if n+h.RemainingLength > r.max {
		return FixedHeader{}, nil, &Error{Packet: h.Type, Field: "remaining length", Code: PacketTooLarge, Err: ErrPacketTooLarge}
	}
	r.rpos += n
	rl := h.RemainingLength
	if rl <= len(r.buf) {
		for r.wpos-r.rpos < rl {
			if err := r.fill(); err != nil {
				return FixedHeader{}, nil, r.eof(err, false)
			}
		}
		body := r.buf[r.rpos : r.rpos+rl : r.rpos+rl]
		r.rpos += rl
		return h, body, nil
	}
	// A frame larger than the read-ahead buffer: read its body straight
	// into the body buffer. Its room grows as the body arrives (from
	// bodyChunk, doubling up to the frame's size), so a peer announcing a
	// large frame and sending little of it pins little memory.
	body := r.body[:0]
	if cap(body) < min(rl, bodyChunk) {
		body = make([]byte, 0, min(rl, bodyChunk))
	}
	body = append(body, r.buf[r.rpos:r.wpos]...)
	r.rpos, r.wpos = 0, 0
	for empty := 0; len(body) < rl; {
		if r.err != nil {
			r.body = body[:0]
			return FixedHeader{}, nil, r.eof(r.err, false)
		}
		if len(body) == cap(body) {
			nb := make([]byte, len(body), min(rl, 2*cap(body)))
			copy(nb, body)
			body = nb
		}
		n, err := r.r.Read(body[len(body):min(cap(body), rl)])
		body = body[:len(body)+n]
		switch {
		case err != nil:
			r.err = err // returned now if the body is short, else by the next read
		case n == 0:
			if empty++; empty == maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	r.body = body[:0]
	return h, body[:rl:rl], nil
}

// eof maps io.EOF inside a frame to io.ErrUnexpectedEOF.
func (r *Reader) eof(err error, boundary bool) error {
	if err == io.EOF && !boundary {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadPacket reads the next frame and decodes it as protocol version v
// (see Decode). Byte slices of the packet alias the Reader's buffer and
// are valid only until the next call to ReadFrame or ReadPacket. On a
// decode error the partly decoded packet is returned with the error, so
// that a server can read Connect.ProtocolVersion.
func (r *Reader) ReadPacket(v Version) (Packet, error) {
	h, body, err := r.ReadFrame()
	if err != nil {
		return nil, err
	}
	return Decode(h, body, v)
}
