// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"testing"
)

func benchPublish(qos QoS, size int, props bool) *Publish {
	p := &Publish{QoS: qos, Topic: "sensors/building-1/floor-2/temperature", Payload: bytes.Repeat([]byte{'x'}, size)}
	if qos > 0 {
		p.PacketID = 42
	}
	if props {
		p.Properties = Properties{
			MessageExpiry: Ptr(uint32(60)), ContentType: Ptr("application/json"),
			User: []UserProperty{{"trace", "abc123"}},
		}
	}
	return p
}

var publishCases = []struct {
	name  string
	qos   QoS
	size  int
	props bool
}{
	{"qos0-16B", 0, 16, false},
	{"qos1-16B", 1, 16, false},
	{"qos0-1KiB", 0, 1024, false},
	{"qos1-1KiB", 1, 1024, false},
	{"qos1-16B-props", 1, 16, true},
	{"qos1-1KiB-props", 1, 1024, true},
}

func BenchmarkPublishEncode(b *testing.B) {
	for _, c := range publishCases {
		b.Run(c.name, func(b *testing.B) {
			p := benchPublish(c.qos, c.size, c.props)
			buf := make([]byte, 0, 2048)
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = Append(buf[:0], p, V5)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkPublishDecode(b *testing.B) {
	for _, c := range publishCases {
		b.Run(c.name, func(b *testing.B) {
			frame := benchPublish(c.qos, c.size, c.props).AppendTo(nil, V5)
			h, n, _ := ParseHeader(frame)
			body := frame[n:]
			var p Publish
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				if err := p.Decode(h.Flags, body, V5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchConnect() *Connect {
	user := "device-user"
	return &Connect{
		CleanStart: true, KeepAlive: 60, ClientID: "device-0001",
		Properties: Properties{SessionExpiry: Ptr(uint32(3600)), ReceiveMaximum: Ptr(uint16(100))},
		Will:       &Will{QoS: 1, Topic: "devices/0001/status", Payload: []byte("offline")},
		Username:   &user, Password: []byte("secret-password"),
	}
}

func BenchmarkConnectEncode(b *testing.B) {
	p := benchConnect()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], p, V5)
	}
}

func BenchmarkConnectDecode(b *testing.B) {
	frame := benchConnect().AppendTo(nil, V5)
	h, n, _ := ParseHeader(frame)
	var p Connect
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(h.Flags, frame[n:], V5); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSubscribe() *Subscribe {
	return &Subscribe{PacketID: 7, Subscriptions: []Subscription{
		{Filter: "sensors/+/floor-2/#", QoS: 1},
		{Filter: "$share/workers/jobs/#", QoS: 2, RetainHandling: 2},
		{Filter: "alerts", QoS: 0, NoLocal: true},
	}}
}

func BenchmarkSubscribeEncode(b *testing.B) {
	p := benchSubscribe()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], p, V5)
	}
}

func BenchmarkSubscribeDecode(b *testing.B) {
	frame := benchSubscribe().AppendTo(nil, V5)
	h, n, _ := ParseHeader(frame)
	var p Subscribe
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(h.Flags, frame[n:], V5); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReaderPublish(b *testing.B) {
	frame := benchPublish(0, 16, false).AppendTo(nil, V5)
	stream := bytes.Repeat(frame, 256)
	src := bytes.NewReader(stream)
	r := NewReader(src, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, _, err := r.ReadFrame(); err != nil {
			src.Reset(stream)
		}
	}
}

func BenchmarkMatchTopic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MatchTopic("sensors/+/floor-2/#", "sensors/building-1/floor-2/temperature")
	}
}
