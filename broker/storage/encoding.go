// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// Flags of an encoded message.
const (
	msgEmpty     = 1 << 0 // the zero Message; nothing follows
	msgPIDZero   = 1 << 1 // QoS > 0 with packet identifier 0, stored as 1
	msgHasExpiry = 1 << 2 // ExpiresAt follows
)

// Flags of an encoded session and subscription.
const (
	sessClean   = 1 << 0
	sessHasWill = 1 << 1

	subNoLocal           = 1 << 0
	subRetainAsPublished = 1 << 1
)

var (
	errTruncated  = errors.New("record truncated")
	errTrailing   = errors.New("trailing bytes after record")
	errNotPublish = errors.New("stored packet is not a PUBLISH")
)

// pubEncoder writes any Publish it is given: the store keeps what the
// broker hands it and does not second-guess the codec's validation.
var pubEncoder = codec.Encoder{Version: codec.V5, AllowIllegal: true}

// zeroPublish is the encoding of codec.Publish{}.
var zeroPublish, _ = pubEncoder.Append(nil, &codec.Publish{})

func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	return binary.AppendVarint(append(dst, 1), t.UnixNano())
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// appendMessage appends m as a PUBLISH packet, whose fixed header
// delimits it (a retained record's publisher follows it).
func appendMessage(dst []byte, m *Message) ([]byte, error) {
	at := len(dst)
	var flags byte
	dst = append(dst, 0)
	if !m.ExpiresAt.IsZero() {
		flags |= msgHasExpiry
		dst = binary.AppendVarint(dst, m.ExpiresAt.UnixNano())
	}
	p := &m.Publish
	if p.QoS > 0 && p.PacketID == 0 {
		cp := *p
		cp.PacketID = 1
		p = &cp
		flags |= msgPIDZero
	}
	start := len(dst)
	dst, err := pubEncoder.Append(dst, p)
	if err != nil {
		return dst[:at], fmt.Errorf("encode message on %q: %w", m.Publish.Topic, err)
	}
	if flags == 0 && bytes.Equal(dst[start:], zeroPublish) {
		dst = dst[:at+1]
		flags = msgEmpty
	}
	dst[at] = flags
	return dst, nil
}

// reader decodes the primitives of a value; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail(errTruncated)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uint32() uint32 {
	v := r.uvarint()
	if v > 1<<32-1 {
		r.fail(fmt.Errorf("value %d overflows uint32", v))
	}
	return uint32(v)
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errTruncated)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) time() time.Time {
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, r.varint()).UTC()
	default:
		r.fail(errors.New("bad time flag"))
		return time.Time{}
	}
}

// message decodes a message; Payload and CorrelationData alias r's buffer.
func (r *reader) message(m *Message) {
	flags := r.byte()
	if r.err != nil || flags&msgEmpty != 0 {
		return
	}
	if flags&msgHasExpiry != 0 {
		m.ExpiresAt = time.Unix(0, r.varint()).UTC()
	}
	if r.err != nil {
		return
	}
	h, n, err := codec.ParseHeader(r.b)
	switch {
	case err != nil:
		r.fail(fmt.Errorf("message header: %w", err))
		return
	case h.Type != codec.PUBLISH:
		r.fail(errNotPublish)
		return
	case len(r.b)-n < h.RemainingLength:
		r.fail(errTruncated)
		return
	}
	body := r.b[n : n+h.RemainingLength]
	if err := m.Publish.Decode(h.Flags, body, codec.V5); err != nil {
		r.fail(fmt.Errorf("message: %w", err))
		return
	}
	if flags&msgPIDZero != 0 {
		m.Publish.PacketID = 0
	}
	r.b = r.b[n+h.RemainingLength:]
}

// version reads and checks the format version byte.
func (r *reader) version() {
	if v := r.byte(); r.err == nil && v != FormatVersion {
		r.fail(fmt.Errorf("%w %d", ErrUnknownVersion, v))
	}
}

// end reports the first error, or trailing bytes.
func (r *reader) end() error {
	if r.err == nil && len(r.b) > 0 {
		return errTrailing
	}
	return r.err
}

func appendSessionValue(dst []byte, s *Session) ([]byte, error) {
	var flags byte
	if s.Clean {
		flags |= sessClean
	}
	if s.Will != nil {
		flags |= sessHasWill
	}
	dst = append(dst, FormatVersion, s.ProtocolVersion, flags)
	dst = binary.AppendUvarint(dst, uint64(s.ExpiryInterval))
	dst = appendString(dst, s.Username)
	dst = appendTime(dst, s.DisconnectedAt)
	if s.Will == nil {
		return dst, nil
	}
	dst = binary.AppendUvarint(dst, uint64(s.Will.DelayInterval))
	return appendMessage(dst, &s.Will.Message)
}

func decodeSession(clientID string, v []byte) (*Session, error) {
	r := reader{b: v}
	r.version()
	s := &Session{ClientID: clientID, ProtocolVersion: r.byte()}
	flags := r.byte()
	s.Clean = flags&sessClean != 0
	s.ExpiryInterval = r.uint32()
	s.Username = r.string()
	s.DisconnectedAt = r.time()
	if flags&sessHasWill != 0 {
		s.Will = &Will{DelayInterval: r.uint32()}
		r.message(&s.Will.Message)
	}
	return s, r.end()
}

func appendSubscriptionValue(dst []byte, s *Subscription) []byte {
	var flags byte
	if s.NoLocal {
		flags |= subNoLocal
	}
	if s.RetainAsPublished {
		flags |= subRetainAsPublished
	}
	dst = append(dst, FormatVersion, s.QoS, flags, s.RetainHandling)
	return binary.AppendUvarint(dst, uint64(s.Identifier))
}

func decodeSubscription(clientID, filter string, v []byte) (*Subscription, error) {
	r := reader{b: v}
	r.version()
	s := &Subscription{ClientID: clientID, Filter: filter, QoS: r.byte()}
	flags := r.byte()
	s.NoLocal = flags&subNoLocal != 0
	s.RetainAsPublished = flags&subRetainAsPublished != 0
	s.RetainHandling = r.byte()
	s.Identifier = r.uint32()
	return s, r.end()
}

// appendIdentityValue encodes the client id of a hashed client group.
func appendIdentityValue(dst []byte, clientID string) []byte {
	return appendString(append(dst, FormatVersion), clientID)
}

func decodeIdentity(v []byte) (string, error) {
	r := reader{b: v}
	r.version()
	id := r.string()
	return id, r.end()
}

// decodeHashedSubscription decodes a subscription whose key holds a digest
// of its filter: the value is the filter followed by a subscription value.
func decodeHashedSubscription(clientID string, v []byte) (*Subscription, error) {
	r := reader{b: v}
	r.version()
	filter := r.string()
	if r.err != nil {
		return nil, r.err
	}
	return decodeSubscription(clientID, filter, r.b)
}

// Inflight and queued records end with the message, then, for a message
// of a shared subscription, its group and filter. Records of other
// messages (and of earlier builds) end after the message.
func appendInflightValue(dst []byte, in *Inflight) ([]byte, error) {
	dst = append(dst, FormatVersion, byte(in.State))
	dst = binary.AppendUvarint(dst, in.Seq)
	dst, err := appendMessage(dst, &in.Message)
	return appendShare(dst, in.Share), err
}

func appendShare(dst []byte, sh Share) []byte {
	if sh == (Share{}) {
		return dst
	}
	return appendString(appendString(dst, sh.Group), sh.Filter)
}

// share reads the optional share at the end of a record.
func (r *reader) share() Share {
	if r.err != nil || len(r.b) == 0 {
		return Share{}
	}
	return Share{Group: r.string(), Filter: r.string()}
}

func decodeInflight(clientID string, rest, v []byte) (*Inflight, error) {
	if len(rest) != 3 {
		return nil, errBadKey
	}
	r := reader{b: v}
	r.version()
	in := &Inflight{
		ClientID:  clientID,
		Direction: Direction(rest[0]),
		PacketID:  binary.BigEndian.Uint16(rest[1:]),
		State:     InflightState(r.byte()),
		Seq:       r.uvarint(),
	}
	r.message(&in.Message)
	in.Share = r.share()
	return in, r.end()
}

func appendQueuedValue(dst []byte, q *Queued) ([]byte, error) {
	dst, err := appendMessage(append(dst, FormatVersion), &q.Message)
	return appendShare(dst, q.Share), err
}

func decodeQueued(clientID string, rest, v []byte) (*Queued, error) {
	if len(rest) != 8 {
		return nil, errBadKey
	}
	r := reader{b: v}
	r.version()
	q := &Queued{ClientID: clientID, Seq: binary.BigEndian.Uint64(rest)}
	r.message(&q.Message)
	q.Share = r.share()
	return q, r.end()
}

// A retained record is the message, then, when known, its publisher:
// client ID, user name, remote address, listener, protocol version and
// certificate subject. Records without the publisher (from the server
// itself, or from earlier builds) end after the message.
func appendRetainedValue(dst []byte, rm *Retained) ([]byte, error) {
	dst, err := appendMessage(append(dst, FormatVersion), &rm.Message)
	if err != nil || rm.Publisher == nil {
		return dst, err
	}
	p := rm.Publisher
	dst = appendString(dst, p.ClientID)
	dst = appendString(dst, p.Username)
	dst = appendString(dst, p.Remote)
	dst = appendString(dst, p.Listener)
	dst = append(dst, p.ProtocolVersion)
	return appendString(dst, string(p.CertSubject)), nil
}

func decodeRetained(v []byte) (*Retained, error) {
	r := reader{b: v}
	r.version()
	rm := &Retained{}
	r.message(&rm.Message)
	if r.err == nil && len(r.b) > 0 {
		p := &Publisher{ClientID: r.string(), Username: r.string(), Remote: r.string(), Listener: r.string(), ProtocolVersion: r.byte()}
		if subj := r.string(); subj != "" {
			p.CertSubject = []byte(subj)
		}
		rm.Publisher = p
	}
	return rm, r.end()
}

// counterFields lists the counters in their stored order; new counters are
// appended, and a decoder ignores counters it does not know.
func counterFields(c *Counters) []*uint64 {
	return []*uint64{&c.ClientsTotal, &c.MessagesReceived, &c.MessagesSent,
		&c.MessagesDropped, &c.BytesReceived, &c.BytesSent}
}

func appendCountersValue(dst []byte, c *Counters) []byte {
	fields := counterFields(c)
	dst = binary.AppendUvarint(append(dst, FormatVersion), uint64(len(fields)))
	for _, f := range fields {
		dst = binary.AppendUvarint(dst, *f)
	}
	return dst
}

func decodeCounters(v []byte) (Counters, error) {
	var c Counters
	r := reader{b: v}
	r.version()
	n := r.uvarint()
	fields := counterFields(&c)
	for i := uint64(0); i < n && r.err == nil; i++ {
		x := r.uvarint()
		if i < uint64(len(fields)) {
			*fields[i] = x
		}
	}
	return c, r.end()
}
