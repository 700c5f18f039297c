// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package client

import (
	"fmt"

	"github.com/wrenmq/wrenmq/codec"
)

// Handler receives what a read loop decodes. Its methods are called from
// the loop's goroutine only.
type Handler interface {
	// Message is called for each PUBLISH. p and its payload alias the read
	// buffer and are valid only during the call. The loop acknowledges
	// QoS 1 and 2 messages itself.
	Message(p *codec.Publish)
	// Acked is called when the server ends the flow of a QoS 1 or 2
	// message this client published: on PUBACK, on PUBCOMP, or on a
	// PUBREC with a failure reason code (>= 0x80).
	Acked(id uint16, rc codec.ReasonCode)
	// EndPass is called after the frames of one socket read were handled
	// and their acknowledgements written, before the loop blocks again.
	EndPass()
}

// Loop reads and handles frames until the connection fails or is closed,
// and returns that error. Acknowledgements (PUBACK, PUBREC, PUBREL,
// PUBCOMP) are collected while one read buffer is handled and written in
// one system call at the end of the pass.
func (c *Conn) Loop(h Handler) error {
	if len(c.rbuf) < loopBuf {
		nb := make([]byte, loopBuf)
		c.wpos = copy(nb, c.rbuf[c.rpos:c.wpos])
		c.rpos = 0
		c.rbuf = nb
	}
	var p codec.Publish
	for {
		for {
			hdr, body, ok, err := c.parse()
			if err != nil {
				return fmt.Errorf("read loop: %w", err)
			}
			if !ok {
				break
			}
			if err := c.handle(h, hdr, body, &p); err != nil {
				return err
			}
		}
		if len(c.acks) > 0 {
			if _, err := c.nc.Write(c.acks); err != nil {
				return fmt.Errorf("write acknowledgements: %w", err)
			}
			c.acks = c.acks[:0]
		}
		h.EndPass()
		if err := c.fill(); err != nil {
			return err
		}
	}
}

// handle dispatches one frame.
func (c *Conn) handle(h Handler, hdr codec.FixedHeader, body []byte, p *codec.Publish) error {
	switch hdr.Type {
	case codec.PUBLISH:
		if err := p.Decode(hdr.Flags, body, c.v); err != nil {
			return fmt.Errorf("decode PUBLISH: %w", err)
		}
		h.Message(p)
		switch p.QoS {
		case 1:
			c.acks = appendAck(c.acks, codec.PUBACK<<4, p.PacketID)
		case 2:
			c.acks = appendAck(c.acks, codec.PUBREC<<4, p.PacketID)
		}
	case codec.PUBACK:
		var a codec.Puback
		if err := a.Decode(hdr.Flags, body, c.v); err != nil {
			return fmt.Errorf("decode PUBACK: %w", err)
		}
		h.Acked(a.PacketID, a.ReasonCode)
	case codec.PUBREC:
		var a codec.Pubrec
		if err := a.Decode(hdr.Flags, body, c.v); err != nil {
			return fmt.Errorf("decode PUBREC: %w", err)
		}
		if a.ReasonCode >= 0x80 {
			h.Acked(a.PacketID, a.ReasonCode)
			return nil
		}
		c.acks = appendAck(c.acks, codec.PUBREL<<4|0x02, a.PacketID)
	case codec.PUBREL:
		var a codec.Pubrel
		if err := a.Decode(hdr.Flags, body, c.v); err != nil {
			return fmt.Errorf("decode PUBREL: %w", err)
		}
		c.acks = appendAck(c.acks, codec.PUBCOMP<<4, a.PacketID)
	case codec.PUBCOMP:
		var a codec.Pubcomp
		if err := a.Decode(hdr.Flags, body, c.v); err != nil {
			return fmt.Errorf("decode PUBCOMP: %w", err)
		}
		h.Acked(a.PacketID, a.ReasonCode)
	case codec.PINGRESP:
	case codec.DISCONNECT:
		var d codec.Disconnect
		_ = d.Decode(hdr.Flags, body, c.v)
		return fmt.Errorf("server sent DISCONNECT with reason code 0x%02X", byte(d.ReasonCode))
	default:
		return fmt.Errorf("unexpected packet type %d", hdr.Type)
	}
	return nil
}

// appendAck appends a two-byte-body acknowledgement with first byte b0:
// the short form every version accepts (in v5 it means reason code 0x00
// and no properties, section 3.4.2.1).
func appendAck(dst []byte, b0 codec.Type, id uint16) []byte {
	return append(dst, byte(b0), 2, byte(id>>8), byte(id))
}
