// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// TestQoSFlows publishes at every QoS to subscriptions of every QoS, across
// protocol versions, checking the exact acknowledgement flow on both sides
// (the helpers require each ack to carry the PUBLISH's identifier) and
// the delivered QoS, the minimum of both.
// [MQTT-3.3.4-1] [MQTT-3.8.4-8] [MQTT-4.3.1-1] [MQTT-4.3.2-1] [MQTT-4.3.2-2]
// [MQTT-4.3.2-4] [MQTT-4.3.3-1] [MQTT-4.3.3-2] [MQTT-4.3.3-4] [MQTT-4.3.3-8]
// [MQTT-4.3.3-11] [MQTT-2.2.1-2] [MQTT-2.2.1-4] [MQTT-2.2.1-5] [MQTT-3.3.1-2]
func TestQoSFlows(t *testing.T) {
	ts := startServer(t, broker.Options{})
	pairs := [][2]codec.Version{{codec.V5, codec.V5}, {codec.V311, codec.V5}, {codec.V5, codec.V31}, {codec.V311, codec.V311}}
	for _, vv := range pairs {
		for pq := codec.QoS(0); pq <= 2; pq++ {
			for sq := codec.QoS(0); sq <= 2; sq++ {
				name := fmt.Sprintf("%s->%s/pub%d/sub%d", vname(vv[0]), vname(vv[1]), pq, sq)
				t.Run(name, func(t *testing.T) {
					sub := connectC(t, ts, vv[1], "s")
					sub.sub("q/t", sq)
					pub := connectC(t, ts, vv[0], "p")
					pub.pub("q/t", name, pq, false)
					p := sub.expectPublish()
					require.Equal(t, name, string(p.Payload))
					require.Equal(t, min(pq, sq), p.QoS)
					require.False(t, p.Dup)
					if p.QoS == 0 {
						require.Zero(t, p.PacketID)
					} else {
						require.NotZero(t, p.PacketID)
					}
					sub.ack(p)
					sub.barrier()
					eventually(t, func() bool { return ts.Info().Inflight == 0 }, "inflight back to 0")
					pub.disconnect()
					sub.disconnect()
				})
			}
		}
	}
}

// TestQoS2DuplicateNotRoutedTwice: a QoS 2 PUBLISH resent before PUBREL is
// acknowledged again but delivered once. [MQTT-4.3.3-10] [MQTT-4.3.3-9]
func TestQoS2DuplicateNotRoutedTwice(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			sub := connectC(t, ts, codec.V5, "dup-sub")
			sub.sub("dup", 1)
			pub := connectC(t, ts, v, "dup-pub")
			p := &codec.Publish{Topic: "dup", QoS: 2, PacketID: 9, Payload: []byte("once")}
			pub.send(p)
			require.Equal(t, uint16(9), expectT[*codec.Pubrec](pub).PacketID)
			p.Dup = true
			pub.send(p)
			require.Equal(t, uint16(9), expectT[*codec.Pubrec](pub).PacketID)
			pub.send(&codec.Pubrel{PacketID: 9})
			require.Equal(t, uint16(9), expectT[*codec.Pubcomp](pub).PacketID)
			require.Equal(t, "once", string(sub.recv().Payload))
			sub.barrier()
			// After PUBCOMP the identifier is free: the same id is a new message.
			p.Dup = false
			pub.send(p)
			expectT[*codec.Pubrec](pub)
			require.Equal(t, "once", string(sub.recv().Payload)) // [MQTT-4.3.3-12]
			pub.send(&codec.Pubrel{PacketID: 9})
			expectT[*codec.Pubcomp](pub)
			pub.disconnect()
			sub.disconnect()
		})
	}
}

// TestPubrelUnknownID: PUBREL for an identifier not awaiting release is
// answered with PUBCOMP 0x92 (v5) or a plain PUBCOMP (v3).
// [MQTT-4.3.3-11] [MQTT-3.7.2-1]
func TestPubrelUnknownID(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range []codec.Version{codec.V311, codec.V5} {
		t.Run(vname(v), func(t *testing.T) {
			c := connectC(t, ts, v, "pubrel")
			c.send(&codec.Pubrel{PacketID: 77})
			comp := expectT[*codec.Pubcomp](c)
			require.Equal(t, uint16(77), comp.PacketID)
			if v == codec.V5 {
				require.Equal(t, codec.PacketIdentifierNotFound, comp.ReasonCode)
			}
			c.barrier()
		})
	}
}

// TestResendOnResume: unacknowledged QoS 1 and 2 messages are resent in
// order with DUP set when a persistent session resumes, and PUBREL is
// resent for a QoS 2 message whose PUBREC was received.
// [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.3.3-6] [MQTT-4.6.0-1]
func TestResendOnResume(t *testing.T) {
	ts := startServer(t, broker.Options{})
	for _, v := range allVersions {
		t.Run(vname(v), func(t *testing.T) {
			id := "resume-" + vname(v)
			sub := connectC(t, ts, v, id, persistent(60))
			sub.sub("r/1", 1)
			sub.sub("r/2", 2)
			pub := connectC(t, ts, codec.V5, "resume-pub")
			pub.pub("r/1", "a", 1, false)
			pub.pub("r/2", "b", 2, false)
			pub.pub("r/1", "c", 1, false)
			pub.pub("r/2", "d", 2, false)
			var first []*codec.Publish
			for range 4 {
				first = append(first, sub.expectPublish())
			}
			// PUBREC the first QoS 2 message only, then drop the connection.
			sub.send(&codec.Pubrec{PacketID: first[1].PacketID})
			require.Equal(t, first[1].PacketID, expectT[*codec.Pubrel](sub).PacketID)
			sub.close()

			sub, ack := connect(t, ts, v, id, persistent(60))
			requirePresent(t, v, ack)
			// In the original order: PUBLISH a (DUP), PUBREL b, PUBLISH c, d (DUP).
			p := sub.expectPublish()
			require.Equal(t, "a", string(p.Payload))
			require.True(t, p.Dup)
			require.Equal(t, first[0].PacketID, p.PacketID)
			rel := expectT[*codec.Pubrel](sub)
			require.Equal(t, first[1].PacketID, rel.PacketID)
			for _, want := range []*codec.Publish{first[2], first[3]} {
				p := sub.expectPublish()
				require.Equal(t, string(want.Payload), string(p.Payload))
				require.Equal(t, want.PacketID, p.PacketID)
				require.Equal(t, want.QoS, p.QoS)
				require.True(t, p.Dup)
			}
			sub.send(&codec.Puback{PacketID: first[0].PacketID})
			sub.send(&codec.Pubcomp{PacketID: first[1].PacketID})
			sub.send(&codec.Puback{PacketID: first[2].PacketID})
			sub.ack(first[3])
			sub.barrier()
			eventually(t, func() bool { return ts.Info().Inflight == 0 }, "every flow completed")
			sub.send(&codec.Disconnect{Properties: codec.Properties{SessionExpiry: v5Only(v, 0)}})
			sub.expectClosed()
			pub.disconnect()
			// Discard the v3 session.
			connectC(t, ts, v, id).disconnect()
		})
	}
}

func v5Only(v codec.Version, x uint32) *uint32 {
	if v == codec.V5 {
		return &x
	}
	return nil
}

// TestReceiveMaximumClient: the server sends no more unacknowledged QoS 1
// and 2 messages than the client's Receive Maximum, without delaying other
// packets; each acknowledgement releases the next message.
// [MQTT-3.3.4-9] [MQTT-3.3.4-10] [MQTT-4.9.0-2]
func TestReceiveMaximumClient(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := dial(t, ts, codec.V5)
	pk := newConnect(codec.V5, "rm-sub")
	pk.Properties.ReceiveMaximum = codec.Ptr(uint16(2))
	require.Equal(t, codec.Success, sub.connect(pk).ReasonCode)
	sub.sub("rm", 1)
	pub := connectC(t, ts, codec.V5, "rm-pub")
	for i := range 5 {
		pub.pub("rm", fmt.Sprint(i), 1, false)
	}
	a, b := sub.expectPublish(), sub.expectPublish()
	require.Equal(t, []string{"0", "1"}, []string{string(a.Payload), string(b.Payload)})
	sub.barrier() // PINGRESP is not held back; no third PUBLISH
	sub.send(&codec.Puback{PacketID: a.PacketID})
	require.Equal(t, "2", string(sub.expectPublish().Payload))
	sub.barrier()
	sub.send(&codec.Puback{PacketID: b.PacketID})
	require.Equal(t, "3", string(sub.recv().Payload))
	require.Equal(t, "4", string(sub.recv().Payload))
}

// TestReceiveMaximumOnResume: unacknowledged messages resent when a
// session resumes count against the new connection's Receive Maximum,
// which may be lower than the last one's: the rest follow, in order and
// with DUP set, as acknowledgements free the window. A PUBREL awaiting its
// PUBCOMP holds a place too. [MQTT-3.3.4-9] [MQTT-4.9.0-2] [MQTT-4.4.0-1]
func TestReceiveMaximumOnResume(t *testing.T) {
	ts := startServer(t, broker.Options{})
	sub := connectC(t, ts, codec.V5, "rmr-sub", persistent(60))
	sub.sub("rmr/+", 2)
	pub := connectC(t, ts, codec.V5, "rmr-pub")
	for i := range 4 {
		pub.pub("rmr/"+fmt.Sprint(i%2+1), fmt.Sprint(i), codec.QoS(i%2+1), false)
	}
	var first []*codec.Publish
	for range 4 {
		first = append(first, sub.expectPublish())
	}
	sub.send(&codec.Pubrec{PacketID: first[1].PacketID}) // message 1 (QoS 2) now awaits PUBCOMP
	require.Equal(t, first[1].PacketID, expectT[*codec.Pubrel](sub).PacketID)
	sub.close()

	sub = dial(t, ts, codec.V5)
	pk := newConnect(codec.V5, "rmr-sub", persistent(60))
	pk.Properties.ReceiveMaximum = codec.Ptr(uint16(1))
	require.True(t, sub.connect(pk).SessionPresent)
	// Window of one: the first message only, then the PUBREL of the
	// second once it is acknowledged, and so on.
	p := sub.expectPublish()
	require.Equal(t, "0", string(p.Payload))
	require.True(t, p.Dup)
	sub.barrier() // nothing else yet
	sub.send(&codec.Puback{PacketID: p.PacketID})
	require.Equal(t, first[1].PacketID, expectT[*codec.Pubrel](sub).PacketID)
	sub.barrier()
	sub.send(&codec.Pubcomp{PacketID: first[1].PacketID})
	p = sub.expectPublish()
	require.Equal(t, "2", string(p.Payload))
	require.True(t, p.Dup)
	sub.barrier()
	sub.send(&codec.Puback{PacketID: p.PacketID})
	p = sub.expectPublish()
	require.Equal(t, "3", string(p.Payload))
	require.True(t, p.Dup)
	require.Equal(t, first[3].PacketID, p.PacketID)
}

// TestReceiveMaximumServer: a client exceeding the server's Receive
// Maximum with unreleased QoS 2 messages is disconnected with 0x93; the
// limit is advertised in CONNACK. [MQTT-3.3.4-9] [MQTT-4.9.0-1]
func TestReceiveMaximumServer(t *testing.T) {
	ts := startServer(t, broker.Options{Capabilities: broker.Capabilities{ReceiveMaximum: 2}})
	c, ack := connect(t, ts, codec.V5, "rm-over")
	require.NotNil(t, ack.Properties.ReceiveMaximum)
	require.Equal(t, uint16(2), *ack.Properties.ReceiveMaximum)
	for id := uint16(1); id <= 2; id++ {
		c.send(&codec.Publish{Topic: "x", QoS: 2, PacketID: id})
		expectT[*codec.Pubrec](c)
	}
	c.send(&codec.Publish{Topic: "x", QoS: 2, PacketID: 3})
	c.expectDisconnect(codec.ReceiveMaximumExceeded)
}

// TestMQTT31DupFlags: an MQTT 3.1 client sets DUP when it resends a
// PUBREL, SUBSCRIBE or UNSUBSCRIBE (QoS 1 packets there); the server
// answers them as it does the first send instead of closing the
// connection as it must for v3.1.1 [MQTT-3.6.1-1].
func TestMQTT31DupFlags(t *testing.T) {
	ts := startServer(t, broker.Options{})
	c := connectC(t, ts, codec.V31, "dup31")
	c.send(&codec.Publish{Topic: "d31", QoS: 2, PacketID: 7, Payload: []byte("x")})
	require.Equal(t, uint16(7), expectT[*codec.Pubrec](c).PacketID)
	c.write([]byte{0x6a, 2, 0, 7}) // PUBREL with DUP
	require.Equal(t, uint16(7), expectT[*codec.Pubcomp](c).PacketID)
	c.write([]byte{0x8a, 6, 0, 8, 0, 1, 'd', 1}) // SUBSCRIBE "d" QoS 1 with DUP
	require.Equal(t, uint16(8), expectT[*codec.Suback](c).PacketID)
	c.write([]byte{0xaa, 5, 0, 9, 0, 1, 'd'}) // UNSUBSCRIBE "d" with DUP
	require.Equal(t, uint16(9), expectT[*codec.Unsuback](c).PacketID)

	v4 := connectC(t, ts, codec.V311, "dup311")
	v4.write([]byte{0x8a, 6, 0, 8, 0, 1, 'd', 1})
	v4.expectClosed()
}
