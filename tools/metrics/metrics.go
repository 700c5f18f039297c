// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package metrics exposes a wrenmq broker to Prometheus: a broker hook that
// counts events (connects, disconnects by reason, packets by type, dropped
// messages by reason) and a collector that reads the broker's counters and
// gauges (connections, inflight, queued, retained, subscriptions, bytes)
// from srv.Info() at scrape time. It lives outside the broker module so
// that the broker does not depend on prometheus/client_golang.
//
//	m := metrics.New(srv)
//	srv.AddHook(m.Hook())
//	http.Handle("/metrics", m.Handler())
package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// Namespace prefixes every metric name.
const Namespace = "wrenmq"

// Metrics holds the registry and the instruments of one broker.
type Metrics struct {
	reg *prometheus.Registry

	connects       *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	packetsIn      *prometheus.CounterVec
	packetsOut     *prometheus.CounterVec
	bytesOutByType *prometheus.CounterVec
	dropped        *prometheus.CounterVec
	published      prometheus.Counter
	deliveries     prometheus.Counter
	hookLatency    *prometheus.HistogramVec
}

// New returns the metrics of srv in a fresh registry that also holds the Go
// runtime and process collectors. Add [Metrics.Hook] to srv before Serve.
func New(srv *broker.Server) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	m.connects = counter("connects_total", "Connections accepted (CONNACK success), by protocol version and listener.", "version", "listener")
	m.disconnects = counter("disconnects_total", "Connections ended, by reason.", "reason")
	m.packetsIn = counter("packets_received_by_type_total", "Packets read from clients after CONNECT, by type.", "type")
	m.packetsOut = counter("packets_sent_by_type_total", "Packets queued to clients, by type.", "type")
	m.bytesOutByType = counter("packet_bytes_sent_by_type_total", "Encoded bytes of packets queued to clients, by type.", "type")
	m.dropped = counter("messages_dropped_by_reason_total", "Messages not delivered to one subscriber, by reason.", "reason")
	m.published = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "messages_published_total", Help: "PUBLISH packets from clients that were routed."})
	m.deliveries = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "message_deliveries_total", Help: "Deliveries of routed messages to subscribers."})
	m.hookLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "hook_duration_seconds",
		Help:    "Time spent in each broker hook call, by hook and event.",
		Buckets: []float64{1e-6, 5e-6, 25e-6, 100e-6, 500e-6, 2.5e-3, 10e-3, 50e-3, 250e-3, 1}}, []string{"hook", "event"})
	m.reg.MustRegister(m.hookLatency, m.connects, m.disconnects, m.packetsIn, m.packetsOut, m.bytesOutByType, m.dropped, m.published, m.deliveries,
		&infoCollector{srv: srv},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, to add an embedder's own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Hook returns the broker hook that feeds the event counters.
func (m *Metrics) Hook() broker.Hook { return (*hook)(m) }

// hook is Metrics seen as a broker hook.
type hook Metrics

var (
	_ broker.OnSessionEstablishedHook = (*hook)(nil)
	_ broker.OnDisconnectHook         = (*hook)(nil)
	_ broker.OnPacketReadHook         = (*hook)(nil)
	_ broker.OnPacketSentHook         = (*hook)(nil)
	_ broker.OnPublishDroppedHook     = (*hook)(nil)
	_ broker.OnPublishedHook          = (*hook)(nil)
)

// ID returns "prometheus-metrics".
func (*hook) ID() string { return "prometheus-metrics" }

// ObserveHook records the duration of one hook call (broker.HookObserver).
func (h *hook) ObserveHook(hookID, event string, took time.Duration) {
	h.hookLatency.WithLabelValues(hookID, event).Observe(took.Seconds())
}

// OnSessionEstablished counts an accepted connection.
func (h *hook) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, _ bool) {
	h.connects.WithLabelValues(versionLabel(cl.ProtocolVersion), cl.Listener).Inc()
}

// OnDisconnect counts an ended connection by reason.
func (h *hook) OnDisconnect(_ *broker.ClientInfo, err error, _ bool) {
	h.disconnects.WithLabelValues(DisconnectReason(err)).Inc()
}

// OnPacketRead counts a packet read and passes it on unchanged.
func (h *hook) OnPacketRead(_ *broker.ClientInfo, pk codec.Packet) (codec.Packet, error) {
	h.packetsIn.WithLabelValues(pk.Type().String()).Inc()
	return pk, nil
}

// OnPacketSent counts a packet queued to a client and its size.
func (h *hook) OnPacketSent(_ *broker.ClientInfo, t codec.Type, size int) {
	name := t.String()
	h.packetsOut.WithLabelValues(name).Inc()
	h.bytesOutByType.WithLabelValues(name).Add(float64(size))
}

// OnPublishDropped counts a message dropped for one subscriber.
func (h *hook) OnPublishDropped(_ string, _ *codec.Publish, reason broker.DropReason) {
	h.dropped.WithLabelValues(string(reason)).Inc()
}

// OnPublished counts a routed message and its deliveries.
func (h *hook) OnPublished(_ *broker.ClientInfo, _ *codec.Publish, deliveries int) {
	h.published.Inc()
	h.deliveries.Add(float64(deliveries))
}

// DisconnectReason classifies why a connection ended into a small, bounded
// set of label values: "normal" (the client sent DISCONNECT), the MQTT
// reason code name when the error carries one, "closed" (the peer closed
// the connection), "timeout" or "error".
func DisconnectReason(err error) string {
	var ce *codec.Error
	var ne net.Error
	switch {
	// The broker documents nil for a normal DISCONNECT but currently
	// reports its unexported errClientDisconnect; accept both.
	case err == nil, err.Error() == "client sent DISCONNECT":
		return "normal"
	case errors.As(err, &ce):
		return strings.ToLower(strings.ReplaceAll(ce.Code.String(), " ", "_"))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "error"
}

func versionLabel(v codec.Version) string {
	switch v {
	case 3:
		return "3.1"
	case 4:
		return "3.1.1"
	case 5:
		return "5"
	}
	return "unknown"
}
