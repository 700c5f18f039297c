// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"net"
	"time"

	"github.com/wrenmq/wrenmq/codec"
)

// timerHandle is a session's pending expiry or will-delay timer. Timers
// live in the runtime's timer heap; no goroutine scans sessions.
type timerHandle struct {
	t  *time.Timer
	at time.Time // when it fires
}

// afterFunc calls f in its own goroutine after d, like time.AfterFunc,
// and remembers when.
func afterFunc(d time.Duration, f func()) *timerHandle {
	return &timerHandle{t: time.AfterFunc(d, f), at: time.Now().Add(d)}
}

// when returns the time h fires; zero for a nil h.
func (h *timerHandle) when() time.Time {
	if h == nil {
		return time.Time{}
	}
	return h.at
}

func (h *timerHandle) stop() {
	if h != nil && h.t != nil {
		h.t.Stop()
	}
}

// attach binds connection c to the session of its client identifier,
// taking over a connected one [MQTT-3.1.4-3] and discarding an old session
// when clean is set [MQTT-3.1.2-4]. It returns the session with its mu
// held and a storage Hold open (see completeConnect), whether a previous
// session was resumed, and a will that must be published (from a session
// that ended) once the caller releases locks.
func (s *Server) attach(c *conn, clean bool, expiry uint32, will *message, willDelay uint32) (sess *session, present bool, pending *message, pendingFrom *ClientInfo, orphans []orphan) {
	id := c.info.ID
	s.mu.Lock()
	// The session records are written under s.mu and sess.mu, in the
	// order of the sessions' changes, and in one atomic storage batch (an
	// old session's end with the new one's records) under this Hold.
	// Storage writes never wait for room; the caller does, once it holds
	// no lock.
	s.persist.hold()
	if old := s.sessions[id]; old != nil {
		old.mu.Lock()
		endOld := clean
		if oc := old.conn; oc != nil {
			old.conn = nil
			normal := oc.detachFrom(codec.SessionTakenOver)
			s.stats.clientsConnected.Add(-1)
			// A session with expiry 0 ends with its connection, even when
			// the new CONNECT overtakes the old connection's close.
			endOld = endOld || old.expiry == 0
			// The old connection's will is published now unless it ended
			// with a normal DISCONNECT or, for v5, the session continues:
			// a new connection to it came before any will delay, even 0,
			// had passed [MQTT-3.1.3-9]. A v3.1.1 will goes out whenever
			// the connection closes without DISCONNECT (v3.1.1
			// [MQTT-3.1.2-8]).
			if old.will != nil && !normal && (endOld || old.version != codec.V5 && old.willDelay == 0) {
				pending, pendingFrom = old.will, old.willFrom
			}
			old.will = nil
		} else if old.will != nil && clean {
			// A delayed will of an ended session goes out now.
			pending, pendingFrom = old.will, old.willFrom
			old.will = nil
		} else {
			old.will = nil // [MQTT-3.1.3-9] reconnected before the delay
		}
		old.timer.stop()
		old.timer = nil
		old.willTimer.stop()
		old.willTimer = nil
		if endOld {
			orphans = s.endSessionLocked(old)
		} else {
			sess, present = old, true
		}
		old.mu.Unlock()
	}
	if sess == nil {
		sess = &session{id: id, srv: s, aclGen: s.aclGen.Load()}
		s.sessions[id] = sess
	}
	sess.mu.Lock()
	sess.conn = c
	sess.version = c.version
	sess.expiry = expiry
	sess.will, sess.willFrom = will, c.info
	sess.willDelay = willDelay
	sess.username = c.info.Username
	sess.checkedFor, sess.resumer = c.info, nil
	c.sess = sess
	s.saveSessionLocked(sess, time.Time{})
	s.mu.Unlock()

	n := s.stats.clientsConnected.Add(1)
	s.stats.clientsTotal.Add(1)
	for {
		mx := s.stats.clientsMaximum.Load()
		if n <= mx || s.stats.clientsMaximum.CompareAndSwap(mx, n) {
			break
		}
	}
	return sess, present, pending, pendingFrom, orphans
}

// endSessionLocked removes a session from the server: its subscriptions
// and messages are discarded, except those a shared subscription gave it
// that its client has not acknowledged, which it returns for the caller
// to hand to redistribute once it holds no lock. s.mu and sess.mu must be
// held.
func (s *Server) endSessionLocked(sess *session) []orphan {
	orphans := sess.sharedOrphansLocked()
	sess.ended = true
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	s.topics.RemoveClient(sess.id)
	s.stats.inflight.Add(-int64(len(sess.inflight)))
	sess.countQueuedLocked(-len(sess.queue), -sess.queueSize)
	sess.inflight, sess.queue, sess.inQoS2 = nil, nil, nil
	sess.unsent = 0
	sess.inflightSize = 0
	sess.countSubscriptionsLocked(-sess.subCount, -sess.subBytes)
	sess.releaseWaitersLocked()
	sess.timer.stop()
	sess.timer = nil
	if sess.stored {
		sess.stored = false
		s.deleteSession(sess.id)
	}
	return orphans
}

// detachFrom marks a connection whose session was taken over and asks it
// to close with the given DISCONNECT reason, unless it is already ending
// with the client's normal DISCONNECT, which it reports. sess.mu is held
// by the caller.
func (c *conn) detachFrom(code codec.ReasonCode) (normalEnd bool) {
	c.closeMu.Lock()
	c.detached = true
	normalEnd = c.normalEnd
	c.closeMu.Unlock()
	if normalEnd {
		return true
	}
	// A client that sent DISCONNECT and reconnected at once may have its
	// new CONNECT handled before the old connection's reader has read the
	// DISCONNECT: look for it among the bytes still unread on the socket,
	// so that the will of a normal disconnect is not published.
	normalEnd = c.disconnectPending()
	c.shutdown(code)
	return normalEnd
}

// disconnectPending reports whether a DISCONNECT with reason 0x00 (any
// well-formed DISCONNECT before v5) waits unread on the connection's
// socket, after at most a few packets. Bytes the reader has already read
// but not yet handled are not seen: this narrows the race, it does not
// close it.
func (c *conn) disconnectPending() bool {
	if c.raw == nil {
		return false
	}
	var buf [512]byte
	n := peekPending(c.raw, buf[:])
	for off := 0; off < n; {
		h, hn, err := codec.ParseHeader(buf[off:n])
		if err != nil {
			return false
		}
		if h.Type == codec.DISCONNECT {
			if h.RemainingLength == 0 {
				return true
			}
			return c.version == codec.V5 && off+hn < n && codec.ReasonCode(buf[off+hn]) == codec.NormalDisconnection
		}
		off += hn + h.RemainingLength
	}
	return false
}

// detach runs when connection c ends: the session keeps its state for
// later (persistent sessions), or ends now (expiry 0); the will is
// published or scheduled [MQTT-3.1.2-8] [MQTT-3.1.3-9].
func (s *Server) detach(c *conn) {
	sess := c.sess
	c.closeMu.Lock()
	cause, normal, detached := c.closeErr, c.normalEnd, c.detached
	c.closeMu.Unlock()
	var will *message
	var willFrom *ClientInfo
	var orphans []orphan
	expired := false
	if !detached {
		s.mu.Lock()
		sess.mu.Lock()
		if sess.conn == c {
			sess.conn = nil
			sess.releaseWaitersLocked()
			s.stats.clientsConnected.Add(-1)
			if normal {
				sess.will = nil // [MQTT-3.14.4-3]
			}
			if w := sess.will; w != nil {
				if sess.willDelay == 0 || sess.expiry == 0 {
					will, willFrom, sess.will = w, sess.willFrom, nil
				} else {
					delay := min(sess.willDelay, sess.expiry)
					sess.willTimer = afterFunc(time.Duration(delay)*time.Second, func() { s.willDelayElapsed(sess) })
				}
			}
			switch {
			case sess.expiry == 0:
				orphans = s.endSessionLocked(sess)
				expired = true
			case sess.expiry != never:
				sess.timer = afterFunc(time.Duration(sess.expiry)*time.Second, func() { s.expire(sess) })
			}
			if !expired {
				s.saveSessionLocked(sess, time.Now())
			}
		}
		sess.unlockNoEvents()
		s.mu.Unlock()
	}
	s.stats.disconnects.Add(1)
	s.redistribute(orphans)
	if will != nil {
		s.publishWill(sess.id, will, willFrom)
	}
	hookErr := cause
	if errors.Is(cause, errClientDisconnect) {
		hookErr = nil // as documented: nil for a normal DISCONNECT
	}
	for _, h := range s.hooks.disconnect {
		s.hooks.guard(h, "OnDisconnect", func() { h.OnDisconnect(c.info, hookErr, expired) })
	}
	if s.debugEnabled() {
		s.debug("client disconnected", "client", c.info.ID, "cause", cause, "session_ended", expired)
	}
}

// expire ends a session whose expiry interval passed while it had no
// connection [MQTT-4.1.0-2].
func (s *Server) expire(sess *session) {
	s.mu.Lock()
	sess.mu.Lock()
	if sess.conn != nil || sess.ended {
		sess.mu.Unlock()
		s.mu.Unlock()
		return
	}
	will, from := sess.will, sess.willFrom
	sess.will = nil
	sess.willTimer.stop()
	orphans := s.endSessionLocked(sess)
	sess.mu.Unlock()
	s.mu.Unlock()
	s.redistribute(orphans)
	if will != nil {
		s.publishWill(sess.id, will, from)
	}
	for _, h := range s.hooks.clientExpired {
		s.hooks.guard(h, "OnClientExpired", func() { h.OnClientExpired(sess.id) })
	}
}

// willDelayElapsed publishes a delayed will if the client did not come
// back in time.
func (s *Server) willDelayElapsed(sess *session) {
	sess.mu.Lock()
	will, from := sess.will, sess.willFrom
	if sess.conn != nil || will == nil {
		sess.mu.Unlock()
		return
	}
	sess.will = nil
	s.saveSessionLocked(sess, time.Now())
	sess.mu.Unlock()
	s.publishWill(sess.id, will, from)
}

// publishWill publishes a will message after the OnWill hooks. The ACL
// hooks check it again, with the ClientInfo of the connection that set it
// (from; nil for a will restored from storage, which was checked when it
// was set), since what a client may publish can change between its
// CONNECT and its will (see RecheckSubscriptions).
func (s *Server) publishWill(clientID string, will *message, from *ClientInfo) {
	if from != nil && !s.hooks.allowed(from, will.pub.Topic, AccessWrite) {
		s.stats.messagesDropped.Add(1)
		s.log.Warn("will not published: the client may no longer publish to its topic", "client", clientID, "topic", clipped(will.pub.Topic))
		return
	}
	for _, h := range s.hooks.will {
		var err error
		pk := will.pub
		s.hooks.guard(h, "OnWill", func() { err = h.OnWill(clientID, &pk) })
		if err != nil {
			return
		}
		// Whatever the hook changed (payload, properties, ...) is what is
		// published: wills are rare, the message is simply rebuilt.
		will = newMessage(&pk, clientID, s.opts.Capabilities.MaximumMessageExpiry, time.Now())
	}
	s.publishMessage(will)
	for _, h := range s.hooks.willSent {
		s.hooks.guard(h, "OnWillSent", func() { h.OnWillSent(clientID, &will.pub) })
	}
}

// certSubject returns the subject of a verified TLS client certificate. Any
// connection reporting its TLS state (a *tls.Conn, or a secure WebSocket
// connection of package listeners) qualifies.
func certSubject(nc net.Conn) *pkix.Name {
	tc, ok := findConn[interface{ ConnectionState() tls.ConnectionState }](nc)
	if !ok {
		return nil // no TLS: the large tls.ConnectionState stays off this stack
	}
	return peerSubject(tc)
}

// peerSubject returns the subject of the verified client certificate of a
// TLS connection, or nil.
func peerSubject(tc interface{ ConnectionState() tls.ConnectionState }) *pkix.Name {
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 || len(st.VerifiedChains) == 0 {
		return nil
	}
	sub := st.PeerCertificates[0].Subject
	return &sub
}

// findConn returns the first connection of type T in nc's chain of
// wrappers (each exposing Unwrap() net.Conn).
func findConn[T any](nc net.Conn) (T, bool) {
	for nc != nil {
		if t, ok := nc.(T); ok {
			return t, true
		}
		u, ok := nc.(interface{ Unwrap() net.Conn })
		if !ok {
			break
		}
		nc = u.Unwrap()
	}
	var zero T
	return zero, false
}
