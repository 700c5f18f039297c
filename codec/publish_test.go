// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"bytes"
	"testing"
)

func TestPublishAppendHeader(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		p := &Publish{QoS: 1, Topic: "a/b", PacketID: 1, Payload: []byte("payload"),
			Properties: Properties{MessageExpiry: Ptr(uint32(5))}}
		if v < V5 {
			p.Properties = Properties{}
		}
		hdr, off := p.AppendHeader([]byte("xx"), v)
		hdr = hdr[2:]
		off -= 2
		// Patch the identifier as a broker does per subscriber.
		hdr[off], hdr[off+1] = 0x12, 0x34
		frame := append(hdr, p.Payload...)
		got, err := decodeFrame(t, frame, v)
		if err != nil {
			t.Fatal(err)
		}
		if id := got.(*Publish).PacketID; id != 0x1234 {
			t.Errorf("v%d: patched id %#x", v, id)
		}
		p.PacketID = 0x1234
		if want := p.AppendTo(nil, v); !bytes.Equal(frame, want) {
			t.Errorf("v%d: header+payload %x, want %x", v, frame, want)
		}
	}
	if _, off := (&Publish{Topic: "a"}).AppendHeader(nil, V5); off != -1 {
		t.Errorf("QoS 0 idOffset %d, want -1", off)
	}
}

func TestPublishDecodeAliasesAndClone(t *testing.T) {
	frame := (&Publish{QoS: 1, PacketID: 2, Topic: "t", Payload: []byte("abc"),
		Properties: Properties{CorrelationData: []byte("cd"), User: []UserProperty{{"k", "v"}}}}).AppendTo(nil, V5)
	h, n, _ := ParseHeader(frame)
	var p Publish
	if err := p.Decode(h.Flags, frame[n:], V5); err != nil {
		t.Fatal(err)
	}
	c := p.Clone()
	frame[len(frame)-1] = 'X' // the payload aliases the frame...
	if string(p.Payload) != "abX" {
		t.Errorf("payload %q does not alias the frame", p.Payload)
	}
	if string(c.Payload) != "abc" || string(c.Properties.CorrelationData) != "cd" {
		t.Errorf("clone changed with the frame: %q", c.Payload) // ...a clone does not
	}
	c.Properties.User[0].Key = "changed"
	if p.Properties.User[0].Key != "k" {
		t.Error("clone shares user properties")
	}
}

// A PUBLISH to a client may carry several subscription
// identifiers (section 3.3.2.3.8); SUBSCRIBE may carry one.
func TestPublishSeveralSubscriptionIDs(t *testing.T) {
	got, err := decodeFrame(t, v5Pub(t, "0b01 0b7f 0b8001"), V5)
	if err != nil {
		t.Fatal(err)
	}
	if ids := got.(*Publish).Properties.SubscriptionIDs; len(ids) != 3 || ids[2] != 128 {
		t.Errorf("ids %v", ids)
	}
}

func TestPublishPropertiesOrder(t *testing.T) {
	// Properties are encoded by ascending identifier, user properties in
	// their order at the place of 0x26.
	p := &Publish{Topic: "t", Properties: Properties{
		User:            []UserProperty{{"b", "1"}, {"a", "2"}},
		TopicAlias:      Ptr(uint16(1)),
		PayloadFormat:   Ptr(byte(1)),
		SubscriptionIDs: []uint32{2, 1},
	}}
	got := p.AppendTo(nil, V5)
	want := unhex(t, "301b 000174 17 0101 0b02 0b01 230001 2600016200013126000161000132")
	if !bytes.Equal(got, want) {
		t.Errorf("got  %x\nwant %x", got, want)
	}
}

func TestPropertiesClone(t *testing.T) {
	p := connackProps()
	c := p.Clone()
	*c.SessionExpiry = 99
	*c.AssignedClientID = "other"
	c.AuthData[0] = 0
	if *p.SessionExpiry == 99 || *p.AssignedClientID == "other" || p.AuthData[0] == 0 {
		t.Error("clone shares memory with the original")
	}
	var empty Properties
	if c := empty.Clone(); !c.empty() || c.User != nil {
		t.Errorf("clone of empty properties: %+v", c)
	}
}
