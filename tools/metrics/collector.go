// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wrenmq/wrenmq/broker"
)

// infoCollector reads srv.Info() once per scrape.
type infoCollector struct{ srv *broker.Server }

type infoMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*broker.SysInfo) int64
}

func desc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, nil, nil)
}

var infoMetrics = []infoMetric{
	{desc("clients_connected", "Clients connected now."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.ClientsConnected }},
	{desc("clients_maximum", "Most clients connected at once since start."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.ClientsMaximum }},
	{desc("clients_connected_total", "Connections accepted since start."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.ConnectionsTotal }},
	{desc("clients_disconnected_total", "Connections ended since start."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.DisconnectsTotal }},
	{desc("messages_received_total", "PUBLISH packets received from clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.MessagesReceived }},
	{desc("messages_sent_total", "PUBLISH packets sent to clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.MessagesSent }},
	{desc("messages_dropped_total", "Messages dropped for a subscriber (all reasons)."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.MessagesDropped }},
	{desc("bytes_received_total", "Bytes read from clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.BytesReceived }},
	{desc("bytes_sent_total", "Bytes written to clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.BytesSent }},
	{desc("packets_received_total", "Packets read from clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.PacketsReceived }},
	{desc("packets_sent_total", "Packets written to clients."), prometheus.CounterValue, func(i *broker.SysInfo) int64 { return i.PacketsSent }},
	{desc("subscriptions", "Subscriptions held now."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.Subscriptions }},
	{desc("retained_messages", "Retained messages held now."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.Retained }},
	{desc("inflight_messages", "QoS 1 and 2 messages sent and not yet acknowledged."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.Inflight }},
	{desc("queued_messages", "Messages waiting in session queues."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.Queued }},
	{desc("queued_bytes", "Size of the messages waiting in session queues, summed over sessions."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.QueuedBytes }},
	{desc("memory_limited", "1 while the broker refuses connections and messages because its live heap is above memory_limit."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.MemoryLimited }},
	{desc("uptime_seconds", "Seconds since the broker started serving."), prometheus.GaugeValue, func(i *broker.SysInfo) int64 { return i.Uptime }},
}

// Describe sends the descriptors of the broker's counters and gauges.
func (c *infoCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range infoMetrics {
		ch <- m.desc
	}
}

// Collect reads srv.Info() and sends one sample per metric.
func (c *infoCollector) Collect(ch chan<- prometheus.Metric) {
	info := c.srv.Info()
	for _, m := range infoMetrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(&info)))
	}
}
