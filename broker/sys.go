// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"math"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// sysLoop publishes the $SYS topics every SysInterval until Close.
func (s *Server) sysLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(s.opts.SysInterval)
	defer t.Stop()
	var st sysState
	s.publishSys(&st, time.Now())
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.publishSys(&st, now)
		}
	}
}

// sysState is what the $SYS publications carry from one to the next.
type sysState struct {
	load    loadAverages
	heapMax uint64
	heap    [1]metrics.Sample
}

// heapBytes returns the bytes of heap memory occupied by live and not yet
// swept objects, as runtime/metrics reports them (no stop of the world).
func (st *sysState) heapBytes() uint64 {
	n, _ := readMetric(&st.heap, "/memory/classes/heap/objects:bytes")
	return n
}

// isSys reports whether topic is "$SYS" or below it: the server's own
// topics, which clients may not publish to. "$SYSTEM/x" is not.
func isSys(topic string) bool {
	return strings.HasPrefix(topic, "$SYS") && (len(topic) == 4 || topic[4] == '/')
}

// publishSys publishes a snapshot of the counters as retained $SYS
// messages and calls the OnSysInfoTick hooks.
func (s *Server) publishSys(st *sysState, now time.Time) {
	info := s.Info()
	heap := st.heapBytes()
	st.heapMax = max(st.heapMax, heap)
	st.load.update(now, [loadCounters]int64{
		info.MessagesReceived, info.MessagesSent, info.MessagesDropped, info.BytesReceived,
		info.BytesSent, info.PacketsReceived, info.PacketsSent, info.ConnectionsTotal})
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
		// Mosquitto's names for what it reports the same way.
		{"$SYS/broker/retained messages/count", i(info.Retained, 10)},
		{"$SYS/broker/clients/active", i(info.ClientsConnected, 10)},
		{"$SYS/broker/clients/inactive", i(info.ClientsDisconnect, 10)},
		// Messages held for delivery: retained, queued and unacknowledged.
		{"$SYS/broker/messages/stored", i(info.Retained+info.Queued+info.Inflight, 10)},
		{"$SYS/broker/store/messages/count", i(info.Retained+info.Queued+info.Inflight, 10)},
		{"$SYS/broker/heap/current", strconv.FormatUint(heap, 10)},
		{"$SYS/broker/heap/maximum", strconv.FormatUint(st.heapMax, 10)},
	}
	for _, t := range topics {
		_ = s.Publish(t.topic, []byte(t.value), true, 0)
	}
	for c, name := range loadNames {
		for p, period := range loadPeriodNames {
			v := strconv.FormatFloat(st.load.avg[c][p], 'f', 2, 64)
			_ = s.Publish("$SYS/broker/load/"+name+"/"+period, []byte(v), true, 0)
		}
	}
	for _, h := range s.hooks.sysTick {
		s.hooks.guard(h, "OnSysInfoTick", func() { h.OnSysInfoTick(&info) })
	}
}

// The counters load averages are kept for, and their $SYS/broker/load
// topic names (Mosquitto's, and "messages/dropped" and "packets/..." for
// the counters it does not average).
const loadCounters = 8

var loadNames = [loadCounters]string{
	"messages/received", "messages/sent", "messages/dropped", "bytes/received",
	"bytes/sent", "packets/received", "packets/sent", "connections",
}

// The periods of the load averages, as Mosquitto's.
var (
	loadPeriods     = [3]time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	loadPeriodNames = [3]string{"1min", "5min", "15min"}
)

// loadAverages are exponentially damped moving averages of the rate of
// counters, per minute, over one, five and fifteen minutes, updated at
// every $SYS publication, as Mosquitto's $SYS/broker/load topics: after
// an interval dt in which a counter grew at r per minute, an average a
// over period T becomes a*e^(-dt/T) + r*(1-e^(-dt/T)).
type loadAverages struct {
	last time.Time
	prev [loadCounters]int64
	avg  [loadCounters][3]float64
}

// update folds the counters' growth since the last update into the
// averages; the first call only records them.
func (l *loadAverages) update(now time.Time, counters [loadCounters]int64) {
	dt := now.Sub(l.last)
	if l.last.IsZero() || dt <= 0 {
		if l.last.IsZero() {
			l.last, l.prev = now, counters
		}
		return
	}
	for c := range counters {
		rate := float64(counters[c]-l.prev[c]) / dt.Minutes()
		for p, period := range loadPeriods {
			k := math.Exp(-float64(dt) / float64(period))
			l.avg[c][p] = l.avg[c][p]*k + rate*(1-k)
		}
	}
	l.last, l.prev = now, counters
}
