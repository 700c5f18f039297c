// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// Shape of the load: each publisher sends perPublisher messages with at
// most window unacknowledged; every subscriber subscribes to both QoS
// levels.
const (
	perPublisher   = 250
	window         = 16
	sessionExpiry  = 3600
	subReceiveMax  = 32
	retainedTopic  = "crash/retained"
	payloadPadding = 48
)

// msgKey names one application message: publisher and sequence number.
type msgKey struct{ pub, seq int }

func topicFor(qos codec.QoS, pub int) string { return fmt.Sprintf("crash/q%d/p%d", qos, pub) }

func payloadFor(pub, seq int) []byte {
	return fmt.Appendf(nil, "p%d-%d-%s", pub, seq, strings.Repeat("x", payloadPadding))
}

func parsePayload(b []byte) (msgKey, bool) {
	f := strings.SplitN(string(b), "-", 3)
	if len(f) != 3 || !strings.HasPrefix(f[0], "p") {
		return msgKey{}, false
	}
	p, err1 := strconv.Atoi(f[0][1:])
	s, err2 := strconv.Atoi(f[1])
	return msgKey{p, s}, err1 == nil && err2 == nil
}

// errList collects failures seen on goroutines; the test reports them.
type errList struct {
	mu   sync.Mutex
	errs []string
}

func (e *errList) add(format string, args ...any) {
	e.mu.Lock()
	if len(e.errs) < 50 {
		e.errs = append(e.errs, fmt.Sprintf(format, args...))
	}
	e.mu.Unlock()
}

func (e *errList) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.errs)
}

// pending is a publication not yet acknowledged.
type pending struct {
	seq      int
	released bool // QoS 2: PUBREC received, PUBREL sent
}

// publisher sends perPublisher messages at one QoS from a persistent
// session, resending unacknowledged ones with DUP after a reconnect, as a
// real client does.
type publisher struct {
	id    int
	qos   codec.QoS
	book  *addrBook
	errs  *errList
	onAck func()

	// Owned by run's goroutine; read after it returns.
	next       int                 // next sequence number to send
	inflight   map[uint16]*pending // by packet identifier
	acked      []bool              // by sequence number
	refused    int                 // negative acknowledgements
	resent     int                 // PUBLISH and PUBREL sent again after a reconnect
	unknownRel int                 // PUBCOMP 0x92: the broker did not know the PUBREL's id
	connects   int
}

func newPublisher(id int, qos codec.QoS, book *addrBook, errs *errList, onAck func()) *publisher {
	return &publisher{id: id, qos: qos, book: book, errs: errs, onAck: onAck,
		inflight: make(map[uint16]*pending), acked: make([]bool, perPublisher)}
}

func (p *publisher) clientID() string { return fmt.Sprintf("pub-%d", p.id) }

func (p *publisher) publish(seq int, dup bool) *codec.Publish {
	return &codec.Publish{QoS: p.qos, Dup: dup, Topic: topicFor(p.qos, p.id), PacketID: uint16(seq + 1), Payload: payloadFor(p.id, seq)}
}

func (p *publisher) run(ctx context.Context) {
	for {
		first := p.connects == 0
		m, ack, err := p.book.connect(ctx, func() *codec.Connect {
			return &codec.Connect{ClientID: p.clientID(), CleanStart: first, KeepAlive: 60,
				Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](sessionExpiry)}}
		})
		if err != nil {
			p.errs.add("%s: %v", p.clientID(), err)
			return
		}
		p.connects++
		if !first && !ack.SessionPresent {
			p.errs.add("%s: reconnect %d: session present is false", p.clientID(), p.connects)
		}
		if p.resend(m) && p.pump(ctx, m) {
			m.disconnect()
			return
		}
		m.close()
		if ctx.Err() != nil {
			p.errs.add("%s: %v", p.clientID(), ctx.Err())
			return
		}
	}
}

// resend sends again, in order, what the last connection left
// unacknowledged: PUBLISH with DUP and the same packet identifier, or
// PUBREL once PUBREC arrived [MQTT-4.4.0-1].
func (p *publisher) resend(m *mqttConn) bool {
	ids := make([]uint16, 0, len(p.inflight))
	for id := range p.inflight {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uint16) int { return p.inflight[a].seq - p.inflight[b].seq })
	for _, id := range ids {
		var pk codec.Packet = p.publish(p.inflight[id].seq, true)
		if p.inflight[id].released {
			pk = &codec.Pubrel{PacketID: id}
		}
		p.resent++
		if m.send(pk) != nil {
			return false
		}
	}
	return true
}

// pump keeps the window full until every message is acknowledged (true)
// or the connection breaks (false).
func (p *publisher) pump(ctx context.Context, m *mqttConn) bool {
	for {
		for p.next < perPublisher && len(p.inflight) < window {
			seq := p.next
			p.next++
			p.inflight[uint16(seq+1)] = &pending{seq: seq}
			if m.send(p.publish(seq, false)) != nil {
				return false
			}
		}
		if p.next == perPublisher && len(p.inflight) == 0 {
			return true
		}
		var pk codec.Packet
		select {
		case got, ok := <-m.in:
			if !ok {
				return false
			}
			pk = got
		case <-ctx.Done():
			return false
		}
		switch pk := pk.(type) {
		case *codec.Puback:
			p.complete(pk.PacketID, pk.ReasonCode, false)
		case *codec.Pubrec:
			pe := p.inflight[pk.PacketID]
			if pe == nil {
				p.errs.add("%s: PUBREC for unknown packet id %d", p.clientID(), pk.PacketID)
				continue
			}
			if pk.ReasonCode.IsError() {
				p.complete(pk.PacketID, pk.ReasonCode, false)
				continue
			}
			pe.released = true
			if m.send(&codec.Pubrel{PacketID: pk.PacketID}) != nil {
				return false
			}
		case *codec.Pubcomp:
			if pk.ReasonCode == codec.PacketIdentifierNotFound {
				p.unknownRel++
			}
			p.complete(pk.PacketID, 0, true)
		case *codec.Disconnect:
			return false
		default:
			p.errs.add("%s: unexpected %v", p.clientID(), pk.Type())
		}
	}
}

// complete ends the flow of a packet identifier.
func (p *publisher) complete(id uint16, code codec.ReasonCode, comp bool) {
	pe := p.inflight[id]
	if pe == nil || (p.qos == 2 && comp && !pe.released) {
		p.errs.add("%s: acknowledgement for packet id %d not in the expected state", p.clientID(), id)
		return
	}
	delete(p.inflight, id)
	if code.IsError() {
		p.refused++
		p.errs.add("%s: message %d refused with reason code %#x", p.clientID(), pe.seq, byte(code))
		return
	}
	p.acked[pe.seq] = true
	p.onAck()
}

// subscriber holds a persistent session subscribed to both QoS levels; it
// goes offline and comes back on a seeded schedule until the load is done,
// then consumes until every expected message is in and the broker is
// quiet.
type subscriber struct {
	id   int
	rng  *rand.Rand
	book *addrBook
	errs *errList

	// Owned by run's goroutine; read after it returns.
	got        map[msgKey]int  // application messages received (a QoS 2 redelivery of an unreleased id is not a new one)
	pendingRel map[uint16]bool // QoS 2 ids received, PUBREL not yet
	connects   int
	present    int // reconnects with session present
}

func newSubscriber(id int, seed uint64, book *addrBook, errs *errList) *subscriber {
	return &subscriber{id: id, rng: rand.New(rand.NewPCG(seed, uint64(id))), book: book, errs: errs,
		got: make(map[msgKey]int), pendingRel: make(map[uint16]bool)}
}

func (s *subscriber) clientID() string { return fmt.Sprintf("sub-%d", s.id) }

func (s *subscriber) connect(ctx context.Context, clean bool) (*mqttConn, error) {
	m, ack, err := s.book.connect(ctx, func() *codec.Connect {
		return &codec.Connect{ClientID: s.clientID(), CleanStart: clean, KeepAlive: 60,
			Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](sessionExpiry), ReceiveMaximum: codec.Ptr[uint16](subReceiveMax)}}
	})
	if err != nil {
		return nil, err
	}
	s.connects++
	if !clean {
		if ack.SessionPresent {
			s.present++
		} else {
			s.errs.add("%s: reconnect %d: session present is false", s.clientID(), s.connects)
			clear(s.pendingRel)
		}
	}
	return m, nil
}

// subscribe creates the session and its subscriptions; the test calls it
// before the load starts.
func (s *subscriber) subscribe(ctx context.Context) error {
	m, err := s.connect(ctx, true)
	if err != nil {
		return err
	}
	defer m.disconnect()
	sub := &codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{
		{Filter: "crash/q1/#", QoS: 1}, {Filter: "crash/q2/#", QoS: 2}}}
	if err := m.send(sub); err != nil {
		return err
	}
	select {
	case pk, ok := <-m.in:
		ack, isAck := pk.(*codec.Suback)
		if !ok || !isAck || len(ack.ReasonCodes) != 2 || ack.ReasonCodes[0] != 1 || ack.ReasonCodes[1] != 2 {
			return fmt.Errorf("%s: SUBSCRIBE answered with %#v", s.clientID(), pk)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run cycles online and offline until loadDone is closed, then consumes
// until complete reports true and nothing arrived for quiet.
func (s *subscriber) run(ctx context.Context, loadDone <-chan struct{}, complete func(map[msgKey]int) bool, quiet time.Duration) {
	for {
		m, err := s.connect(ctx, false)
		if err != nil {
			s.errs.add("%s: %v", s.clientID(), err)
			return
		}
		final := isClosed(loadDone)
		online := time.Duration(30+s.rng.IntN(200)) * time.Millisecond
		if final {
			online = quiet
		}
		timer := time.NewTimer(online)
		broken := false
	consume:
		for {
			select {
			case pk, ok := <-m.in:
				if !ok {
					broken = true
					break consume
				}
				if !s.handle(m, pk) {
					broken = true
					break consume
				}
				if final {
					timer.Reset(quiet)
				}
			case <-timer.C:
				if !final || (complete(s.got) && len(s.pendingRel) == 0) {
					break consume
				}
				timer.Reset(quiet)
			case <-loadDone:
				if !final {
					final = true
					timer.Reset(quiet)
				}
			case <-ctx.Done():
				timer.Stop()
				m.close()
				s.errs.add("%s: %v", s.clientID(), ctx.Err())
				return
			}
		}
		timer.Stop()
		if broken {
			m.close()
			continue // reconnect at once: the broker died or dropped us
		}
		if final {
			m.disconnect()
			return
		}
		// Go offline for a while, now and then without DISCONNECT.
		if s.rng.IntN(4) == 0 {
			m.close()
		} else {
			m.disconnect()
		}
		offline := time.NewTimer(time.Duration(10+s.rng.IntN(120)) * time.Millisecond)
		select {
		case <-offline.C:
		case <-loadDone:
			offline.Stop()
		case <-ctx.Done():
			offline.Stop()
			s.errs.add("%s: %v", s.clientID(), ctx.Err())
			return
		}
	}
}

// handle processes one packet; false means the connection is unusable.
func (s *subscriber) handle(m *mqttConn, pk codec.Packet) bool {
	switch pk := pk.(type) {
	case *codec.Publish:
		k, ok := parsePayload(pk.Payload)
		if !ok {
			s.errs.add("%s: unexpected payload %q on %s", s.clientID(), pk.Payload, pk.Topic)
		}
		want := codec.QoS(1)
		if strings.HasPrefix(pk.Topic, "crash/q2/") {
			want = 2
		}
		if pk.QoS != want {
			s.errs.add("%s: %s delivered at QoS %d", s.clientID(), pk.Topic, pk.QoS)
		}
		switch pk.QoS {
		case 1:
			s.got[k]++
			return m.send(&codec.Puback{PacketID: pk.PacketID}) == nil
		case 2:
			// A PUBLISH of an id already received and not released is the
			// same delivery again [MQTT-4.3.3-9]: it is not counted twice.
			if !s.pendingRel[pk.PacketID] {
				s.got[k]++
				s.pendingRel[pk.PacketID] = true
			}
			return m.send(&codec.Pubrec{PacketID: pk.PacketID}) == nil
		}
	case *codec.Pubrel:
		delete(s.pendingRel, pk.PacketID)
		return m.send(&codec.Pubcomp{PacketID: pk.PacketID}) == nil
	case *codec.Disconnect:
		return false
	default:
		s.errs.add("%s: unexpected %v", s.clientID(), pk.Type())
	}
	return true
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// ackCounter counts acknowledgements and closes reached when the count
// gets to at.
type ackCounter struct {
	n       atomic.Int64
	at      int64
	reached chan struct{}
}

func (a *ackCounter) add() {
	if a.n.Add(1) == a.at {
		close(a.reached)
	}
}
