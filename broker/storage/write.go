// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package storage

// The write methods encode a record on the caller's goroutine and queue
// it; none waits for I/O unless the queue is full. In ModeSync the
// returned Done completes when the write is durable; see [Done].

// PutSession stores or replaces a session.
func (s *Store) PutSession(sess *Session) Done {
	if len(sess.ClientID) > maxInlineClientID {
		// The keys of this client hold a digest of its id: the identity
		// record keeps the id for Restore.
		s.write("put client identity", opPut, func(dst []byte) ([]byte, int, error) {
			dst, err := appendIdentityKey(dst, sess.ClientID)
			k := len(dst)
			return appendIdentityValue(dst, sess.ClientID), k, err
		})
	}
	return s.write("put session", opPut, func(dst []byte) ([]byte, int, error) {
		dst, err := appendSessionKey(dst, sess.ClientID)
		if err != nil {
			return dst, 0, err
		}
		k := len(dst)
		dst, err = appendSessionValue(dst, sess)
		return dst, k, err
	})
}

// DeleteSession deletes the session of clientID with all its
// subscriptions, inflight and queued messages. Writes for the same client
// made after it are kept.
func (s *Store) DeleteSession(clientID string) Done {
	return s.write("delete session", opDeletePrefix, func(dst []byte) ([]byte, int, error) {
		dst, err := appendClientPrefix(dst, clientID)
		return dst, len(dst), err
	})
}

// PutSubscription stores or replaces a subscription.
func (s *Store) PutSubscription(sub *Subscription) Done {
	return s.write("put subscription", opPut, func(dst []byte) ([]byte, int, error) {
		dst, err := appendSubscriptionKey(dst, sub.ClientID, sub.Filter)
		if err != nil {
			return dst, 0, err
		}
		k := len(dst)
		if hashedFilter(sub.ClientID, sub.Filter) {
			// The key holds a digest of the filter; the value keeps it.
			dst = appendString(append(dst, FormatVersion), sub.Filter)
		}
		return appendSubscriptionValue(dst, sub), k, nil
	})
}

// DeleteSubscription deletes the subscription of clientID to filter.
func (s *Store) DeleteSubscription(clientID, filter string) Done {
	return s.write("delete subscription", opDelete, func(dst []byte) ([]byte, int, error) {
		dst, err := appendSubscriptionKey(dst, clientID, filter)
		return dst, len(dst), err
	})
}

// PutInflight stores or replaces an inflight message.
func (s *Store) PutInflight(in *Inflight) Done {
	return s.write("put inflight message", opPut, func(dst []byte) ([]byte, int, error) {
		dst, err := appendInflightKey(dst, in.ClientID, in.Direction, in.PacketID)
		if err != nil {
			return dst, 0, err
		}
		k := len(dst)
		dst, err = appendInflightValue(dst, in)
		return dst, k, err
	})
}

// DeleteInflight deletes an inflight message when its flow is complete.
func (s *Store) DeleteInflight(clientID string, dir Direction, packetID uint16) Done {
	return s.write("delete inflight message", opDelete, func(dst []byte) ([]byte, int, error) {
		dst, err := appendInflightKey(dst, clientID, dir, packetID)
		return dst, len(dst), err
	})
}

// PutQueued stores a message queued for a session.
func (s *Store) PutQueued(q *Queued) Done {
	return s.write("put queued message", opPut, func(dst []byte) ([]byte, int, error) {
		dst, err := appendQueuedKey(dst, q.ClientID, q.Seq)
		if err != nil {
			return dst, 0, err
		}
		k := len(dst)
		dst, err = appendQueuedValue(dst, q)
		return dst, k, err
	})
}

// DeleteQueued deletes a queued message once it is delivered (or moved
// to inflight) or has expired.
func (s *Store) DeleteQueued(clientID string, seq uint64) Done {
	return s.write("delete queued message", opDelete, func(dst []byte) ([]byte, int, error) {
		dst, err := appendQueuedKey(dst, clientID, seq)
		return dst, len(dst), err
	})
}

// PutRetained stores or replaces the retained message of
// r.Message.Publish.Topic.
func (s *Store) PutRetained(r *Retained) Done {
	return s.write("put retained message", opPut, func(dst []byte) ([]byte, int, error) {
		dst = appendRetainedKey(dst, r.Message.Publish.Topic)
		k := len(dst)
		dst, err := appendRetainedValue(dst, r)
		return dst, k, err
	})
}

// DeleteRetained deletes the retained message of topic.
func (s *Store) DeleteRetained(topic string) Done {
	return s.write("delete retained message", opDelete, func(dst []byte) ([]byte, int, error) {
		dst = appendRetainedKey(dst, topic)
		return dst, len(dst), nil
	})
}

// PutCounters stores the broker counters.
func (s *Store) PutCounters(c *Counters) Done {
	return s.write("put counters", opPut, func(dst []byte) ([]byte, int, error) {
		dst = appendCountersKey(dst)
		k := len(dst)
		return appendCountersValue(dst, c), k, nil
	})
}
