// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

func TestSmoke(t *testing.T) {
	srv := broker.New(broker.Options{SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(broker.NewNetListener("t", ln)))
	require.NoError(t, srv.Serve())
	defer srv.Close()

	dial := func(id string, v codec.Version) (net.Conn, *codec.Reader) {
		nc, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		b, err := codec.Append(nil, &codec.Connect{ProtocolVersion: v, ClientID: id, CleanStart: true, KeepAlive: 30}, v)
		require.NoError(t, err)
		_, err = nc.Write(b)
		require.NoError(t, err)
		r := codec.NewReader(nc, 0)
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		pk, err := r.ReadPacket(v)
		require.NoError(t, err)
		require.Equal(t, codec.Success, pk.(*codec.Connack).ReasonCode)
		return nc, r
	}
	sub, sr := dial("sub", codec.V5)
	b, _ := codec.Append(nil, &codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "a/+", QoS: 1}}}, codec.V5)
	sub.Write(b)
	pk, err := sr.ReadPacket(codec.V5)
	require.NoError(t, err)
	require.Equal(t, []codec.ReasonCode{1}, pk.(*codec.Suback).ReasonCodes)

	pub, pr := dial("pub", codec.V311)
	b, _ = codec.Append(nil, &codec.Publish{Topic: "a/b", QoS: 1, PacketID: 7, Payload: []byte("hi")}, codec.V311)
	pub.Write(b)
	pk, err = pr.ReadPacket(codec.V311)
	require.NoError(t, err)
	require.Equal(t, uint16(7), pk.(*codec.Puback).PacketID)
	pk, err = sr.ReadPacket(codec.V5)
	require.NoError(t, err)
	p := pk.(*codec.Publish)
	require.Equal(t, "a/b", p.Topic)
	require.Equal(t, "hi", string(p.Payload))
	require.Equal(t, codec.QoS(1), p.QoS)
	sub.Close()
	pub.Close()
}
