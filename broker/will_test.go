// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// disconnects signals each client identifier whose connection ended, after
// the server has published (or scheduled) its will.
type disconnects chan string

func (disconnects) ID() string { return "disconnects" }

func (d disconnects) OnDisconnect(cl *broker.ClientInfo, _ error, _ bool) {
	select {
	case d <- cl.ID:
	default:
	}
}

// waitDisconnect waits until the server has finished with client id.
func (d disconnects) wait(t *testing.T, id string) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case got := <-d:
			if got == id {
				return
			}
		case <-deadline:
			t.Fatalf("client %q did not disconnect", id)
		}
	}
}

func withWill(topic, payload string, qos codec.QoS, retain bool, delay uint32) connectOpt {
	return func(c *codec.Connect) {
		c.Will = &codec.Will{Topic: topic, Payload: []byte(payload), QoS: qos, Retain: retain}
		if delay > 0 {
			c.Will.Properties.WillDelay = codec.Ptr(delay)
		}
	}
}

// TestWill covers when the will message is and is not published.
// [MQTT-3.1.2-7] [MQTT-3.1.2-8] [MQTT-3.1.2-10] [MQTT-3.1.2-14]
// [MQTT-3.1.2-15] [MQTT-3.14.4-3] (v3.1.1 [MQTT-3.1.2-8] [MQTT-3.1.2-10]
// [MQTT-3.1.2-16] [MQTT-3.1.2-17] [MQTT-3.14.4-3])
func TestWill(t *testing.T) {
	dc := make(disconnects, 16)
	ts := startServer(t, broker.Options{}, dc)
	tests := []struct {
		name   string
		v      codec.Version
		end    func(c *client)
		willed bool
	}{
		{"v5 network close", codec.V5, (*client).close, true},
		{"v3.1.1 network close", codec.V311, (*client).close, true},
		{"v3.1 network close", codec.V31, (*client).close, true},
		{"v5 DISCONNECT 0x00", codec.V5, (*client).disconnect, false},
		{"v3.1.1 DISCONNECT", codec.V311, (*client).disconnect, false},
		{"v5 DISCONNECT 0x04", codec.V5, func(c *client) {
			c.send(&codec.Disconnect{ReasonCode: codec.DisconnectWithWill})
			c.expectClosed()
		}, true},
		{"v5 DISCONNECT 0x80", codec.V5, func(c *client) {
			c.send(&codec.Disconnect{ReasonCode: codec.UnspecifiedError})
			c.expectClosed()
		}, true},
		{"v5 DISCONNECT 0x93", codec.V5, func(c *client) {
			c.send(&codec.Disconnect{ReasonCode: codec.ReceiveMaximumExceeded})
			c.expectClosed()
		}, true},
		{"v5 protocol error", codec.V5, func(c *client) {
			c.send(&codec.Connect{ProtocolVersion: codec.V5, ClientID: "again"})
			c.expectDisconnect(codec.ProtocolError)
		}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic := "will/" + string(rune('a'+i))
			sub := connectC(t, ts, codec.V5, "will-sub")
			sub.sub(topic, 2)
			id := "willer-" + string(rune('a'+i))
			w := connectC(t, ts, tt.v, id, withWill(topic, "gone", 1, false, 0))
			tt.end(w)
			dc.wait(t, id)
			if tt.willed {
				p := sub.recv()
				require.Equal(t, topic, p.Topic)
				require.Equal(t, "gone", string(p.Payload))
				require.Equal(t, codec.QoS(1), p.QoS)
				require.False(t, p.Retain) // [MQTT-3.1.2-14]
			}
			sub.barrier()
			sub.disconnect()
		})
	}
}

// TestWillRetained: a will with Will Retain 1 is published as a retained
// message. [MQTT-3.1.2-15] (v3.1.1 [MQTT-3.1.2-17])
func TestWillRetained(t *testing.T) {
	dc := make(disconnects, 16)
	ts := startServer(t, broker.Options{}, dc)
	w := connectC(t, ts, codec.V311, "rw", withWill("will/retained", "bye", 0, true, 0))
	w.close()
	dc.wait(t, "rw")
	sub := connectC(t, ts, codec.V5, "rw-sub")
	sub.sub("will/retained", 1)
	p := sub.recv()
	require.True(t, p.Retain)
	require.Equal(t, "bye", string(p.Payload))
}

// TestWillDelay: a delayed will is published after the Will Delay
// Interval, and not at all when the client reconnects in time.
// [MQTT-3.1.2-8] [MQTT-3.1.3-9]
func TestWillDelay(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "wd-sub")
	sub.sub("wd/#", 1)

	t.Run("published after the delay", func(t *testing.T) {
		w := connectC(t, ts, codec.V5, "wd1", persistent(60), withWill("wd/1", "late", 1, false, 1))
		closed := time.Now()
		w.close()
		p := sub.recv()
		require.Equal(t, "wd/1", p.Topic)
		require.GreaterOrEqual(t, time.Since(closed), 900*time.Millisecond, "published before the will delay")
	})
	t.Run("cancelled by reconnect", func(t *testing.T) {
		w := connectC(t, ts, codec.V5, "wd2", persistent(60), withWill("wd/2", "never", 1, false, 1))
		w.close()
		w2, ack := connect(t, ts, codec.V5, "wd2", persistent(60))
		require.True(t, ack.SessionPresent)
		// Nothing may arrive for longer than the delay. This read is
		// the subscriber's last, so its deadline error is harmless.
		pk, err := sub.read(2500 * time.Millisecond)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "unexpected %T %+v (%v)", pk, pk, err)
		w2.disconnect()
	})
}

// TestDisconnectThenReconnect: a client that sends DISCONNECT and
// reconnects as soon as the server closes the connection finds its
// session ended (expiry 0) and its will discarded, however quickly it
// comes back. [MQTT-3.14.4-3] [MQTT-4.1.0-2]
func TestDisconnectThenReconnect(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "dr-sub")
	sub.sub("dr/will", 1)
	for i := range 30 {
		c := connectC(t, ts, codec.V5, "dr", persistent(0), withWill("dr/will", "no", 1, false, 0))
		c.disconnect()
		c, ack := connect(t, ts, codec.V5, "dr", persistent(0))
		require.False(t, ack.SessionPresent, "round %d: session expiry 0 ended the session", i)
		c.disconnect()
	}
	sub.barrier()
}

// TestWillOnTakeover: a takeover closes the old connection without a
// DISCONNECT. A v5 will is not sent when the new connection continues the
// session, however short the delay [MQTT-3.1.3-9], and is sent when the
// session ends (Clean Start, or expiry 0); a v3.1.1 will is always sent
// (v3.1.1 [MQTT-3.1.2-8]).
func TestWillOnTakeover(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "wt-sub")
	sub.sub("wt/#", 0)
	for _, tc := range []struct {
		name       string
		v          codec.Version
		old, taker []connectOpt
		will       bool
	}{
		{"v5 session continues", codec.V5, []connectOpt{persistent(60)}, []connectOpt{persistent(60)}, false},
		{"v5 clean start", codec.V5, []connectOpt{persistent(60)}, nil, true},
		{"v5 expiry 0", codec.V5, nil, []connectOpt{persistent(60)}, true},
		{"v3.1.1 session continues", codec.V311, []connectOpt{persistent(0)}, []connectOpt{persistent(0)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "wt-" + strings.ReplaceAll(tc.name, " ", "-")
			old := connectC(t, ts, tc.v, id, append(tc.old, withWill("wt/"+id, "will", 0, false, 0))...)
			taker := connectC(t, ts, tc.v, id, tc.taker...)
			old.expectEnd(codec.SessionTakenOver)
			require.NoError(t, ts.Publish("wt/"+id, []byte("marker"), false, 0))
			want := "marker"
			if tc.will {
				want = "will" // published at the takeover, before the marker
			}
			require.Equal(t, want, string(sub.recv().Payload))
			if tc.will {
				require.Equal(t, "marker", string(sub.recv().Payload))
			}
			taker.disconnect()
		})
	}
}

// willRewriter replaces a will's payload with one of the same length and
// adds a content type.
type willRewriter struct{}

func (willRewriter) ID() string { return "will-rewriter" }
func (willRewriter) OnWill(_ string, will *codec.Publish) error {
	will.Payload = []byte("GONE")
	will.Properties.ContentType = codec.Ptr("text/plain")
	return nil
}

// TestOnWillChangesArePublished: whatever OnWill changes is published,
// also a payload of the same length and a property.
func TestOnWillChangesArePublished(t *testing.T) {
	ts := startServer(t, broker.Options{}, willRewriter{})
	sub := connectC(t, ts, codec.V5, "wr-sub")
	sub.sub("wr/will", 0)
	w := connectC(t, ts, codec.V5, "wr", withWill("wr/will", "here", 0, false, 0))
	w.close()
	p := sub.expectPublish()
	require.Equal(t, "GONE", string(p.Payload))
	require.NotNil(t, p.Properties.ContentType)
	require.Equal(t, "text/plain", *p.Properties.ContentType)
}
