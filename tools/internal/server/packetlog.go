// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"context"
	"log/slog"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// packetLogger is a hook that logs the packet flow of every client at debug
// level (-debug-packets, logging.packets).
type packetLogger struct{ log *slog.Logger }

var (
	_ broker.OnPacketReadHook         = (*packetLogger)(nil)
	_ broker.OnPacketSentHook         = (*packetLogger)(nil)
	_ broker.OnSessionEstablishedHook = (*packetLogger)(nil)
	_ broker.OnDisconnectHook         = (*packetLogger)(nil)
)

// ID returns "packet-logger".
func (*packetLogger) ID() string { return "packet-logger" }

func (h *packetLogger) enabled() bool { return h.log.Enabled(context.Background(), slog.LevelDebug) }

// OnSessionEstablished logs the CONNECT that opened a session.
func (h *packetLogger) OnSessionEstablished(cl *broker.ClientInfo, pk *codec.Connect, present bool) {
	if h.enabled() {
		h.log.Debug("packet in", "client", cl.ID, "remote", cl.Remote, "listener", cl.Listener,
			"type", "CONNECT", "version", cl.ProtocolVersion, "clean_start", pk.CleanStart,
			"keep_alive", pk.KeepAlive, "session_present", present)
	}
}

// OnPacketRead logs a packet read from a client and passes it on unchanged.
func (h *packetLogger) OnPacketRead(cl *broker.ClientInfo, pk codec.Packet) (codec.Packet, error) {
	if h.enabled() {
		attrs := []any{"client", cl.ID, "type", pk.Type().String()}
		if p, ok := pk.(*codec.Publish); ok {
			attrs = append(attrs, "topic", p.Topic, "qos", p.QoS, "retain", p.Retain, "payload_bytes", len(p.Payload))
		}
		h.log.Debug("packet in", attrs...)
	}
	return pk, nil
}

// OnPacketSent logs a packet queued to a client.
func (h *packetLogger) OnPacketSent(cl *broker.ClientInfo, t codec.Type, size int) {
	if h.enabled() {
		h.log.Debug("packet out", "client", cl.ID, "type", t.String(), "bytes", size)
	}
}

// OnDisconnect logs the end of a connection.
func (h *packetLogger) OnDisconnect(cl *broker.ClientInfo, err error, expired bool) {
	if h.enabled() {
		h.log.Debug("connection closed", "client", cl.ID, "err", err, "session_expired", expired)
	}
}
