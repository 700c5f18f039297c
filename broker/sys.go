// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"strconv"
	"time"
)

// sysLoop publishes the $SYS topics every SysInterval until Close.
func (s *Server) sysLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(s.opts.SysInterval)
	defer t.Stop()
	s.publishSys()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.publishSys()
		}
	}
}

// publishSys publishes a snapshot of the counters as retained $SYS
// messages and calls the OnSysInfoTick hooks.
func (s *Server) publishSys() {
	info := s.Info()
	i := strconv.FormatInt
	topics := [...]struct{ topic, value string }{
		{"$SYS/broker/version", info.Version},
		{"$SYS/broker/uptime", i(info.Uptime, 10)},
		{"$SYS/broker/started", info.Started.UTC().Format(time.RFC3339)},
		{"$SYS/broker/clients/connected", i(info.ClientsConnected, 10)},
		{"$SYS/broker/clients/total", i(info.ClientsTotal, 10)},
		{"$SYS/broker/clients/maximum", i(info.ClientsMaximum, 10)},
		{"$SYS/broker/clients/disconnected", i(info.ClientsDisconnect, 10)},
		{"$SYS/broker/messages/received", i(info.MessagesReceived, 10)},
		{"$SYS/broker/messages/sent", i(info.MessagesSent, 10)},
		{"$SYS/broker/messages/dropped", i(info.MessagesDropped, 10)},
		{"$SYS/broker/messages/inflight", i(info.Inflight, 10)},
		{"$SYS/broker/messages/queued", i(info.Queued, 10)},
		{"$SYS/broker/messages/retained", i(info.Retained, 10)},
		{"$SYS/broker/bytes/received", i(info.BytesReceived, 10)},
		{"$SYS/broker/bytes/sent", i(info.BytesSent, 10)},
		{"$SYS/broker/packets/received", i(info.PacketsReceived, 10)},
		{"$SYS/broker/packets/sent", i(info.PacketsSent, 10)},
		{"$SYS/broker/subscriptions/count", i(info.Subscriptions, 10)},
	}
	for _, t := range topics {
		_ = s.Publish(t.topic, []byte(t.value), true, 0)
	}
	for _, h := range s.hooks.sysTick {
		s.hooks.guard(h, "OnSysInfoTick", func() { h.OnSysInfoTick(&info) })
	}
}
