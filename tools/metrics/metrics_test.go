// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package metrics_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/tools/metrics"
)

// scrape fetches url and parses the text exposition format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// value returns the value of the sample of family name whose labels match.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "metric %s missing", name)
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s%v missing", name, labels)
	return 0
}

func dial(t *testing.T, addr, id string) (net.Conn, *codec.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	require.NoError(t, nc.SetDeadline(time.Now().Add(5*time.Second)))
	b, err := codec.Append(nil, &codec.Connect{ProtocolVersion: codec.V5, ClientID: id, CleanStart: true}, codec.V5)
	require.NoError(t, err)
	_, err = nc.Write(b)
	require.NoError(t, err)
	r := codec.NewReader(nc, 0)
	pk, err := r.ReadPacket(codec.V5)
	require.NoError(t, err)
	require.IsType(t, &codec.Connack{}, pk)
	return nc, r
}

func TestMetricsScrape(t *testing.T) {
	srv := broker.New(broker.Options{SysInterval: -1})
	m := metrics.New(srv)
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddHook(m.Hook()))
	l, err := broker.ListenTCP("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(l))
	require.NoError(t, srv.Serve())
	defer srv.Close()
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()

	nc, r := dial(t, l.Addr().String(), "scraped")
	send := func(pk codec.Packet) {
		b, err := codec.Append(nil, pk, codec.V5)
		require.NoError(t, err)
		_, err = nc.Write(b)
		require.NoError(t, err)
	}
	send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "m/#", QoS: 1}}})
	_, err = r.ReadPacket(codec.V5)
	require.NoError(t, err)
	send(&codec.Publish{Topic: "m/1", QoS: 1, PacketID: 2, Payload: []byte("x"), Retain: true})
	for range 2 { // PUBACK and the message itself, in either order
		_, err = r.ReadPacket(codec.V5)
		require.NoError(t, err)
	}

	fams := scrape(t, hs.URL)
	require.Equal(t, 1.0, value(t, fams, "wrenmq_clients_connected", nil))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_subscriptions", nil))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_retained_messages", nil))
	require.Equal(t, 0.0, value(t, fams, "wrenmq_memory_limited", nil))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_connects_total", map[string]string{"version": "5", "listener": "tcp"}))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_packets_received_by_type_total", map[string]string{"type": "SUBSCRIBE"}))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_packets_sent_by_type_total", map[string]string{"type": "SUBACK"}))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_messages_published_total", nil))
	require.Equal(t, 1.0, value(t, fams, "wrenmq_message_deliveries_total", nil))
	require.Positive(t, value(t, fams, "wrenmq_bytes_received_total", nil))
	require.Contains(t, fams, "go_goroutines")
	// Every hook call is timed: the allow-all hook's ACL checks among them.
	require.Contains(t, fams, "wrenmq_hook_duration_seconds")
	var aclCalls uint64
	for _, mf := range fams["wrenmq_hook_duration_seconds"].GetMetric() {
		labels := map[string]string{}
		for _, l := range mf.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["hook"] == "allow-all" && labels["event"] == "OnACLCheck" {
			aclCalls = mf.GetHistogram().GetSampleCount()
		}
	}
	require.EqualValues(t, 2, aclCalls, "one subscribe and one publish")

	send(&codec.Disconnect{})
	_ = nc.Close()
	require.Eventually(t, func() bool {
		f := scrape(t, hs.URL)
		_, ok := f["wrenmq_disconnects_total"]
		return ok && value(t, f, "wrenmq_clients_connected", nil) == 0
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 1.0, value(t, scrape(t, hs.URL), "wrenmq_disconnects_total", map[string]string{"reason": "normal"}))
}

func TestDisconnectReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "normal"},
		{io.EOF, "closed"},
		{&codec.Error{Code: codec.KeepAliveTimeout, Err: errors.New("x")}, "keep_alive_timeout"},
		{errors.New("boom"), "error"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, metrics.DisconnectReason(tt.err), "%v", tt.err)
	}
}

func TestStorageMetrics(t *testing.T) {
	store := storage.NewStore(storage.NewMemory(), storage.Options{})
	srv := broker.New(broker.Options{SysInterval: -1, Storage: store})
	m := metrics.New(srv)
	m.AddStorage(store)
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddHook(m.Hook()))
	require.NoError(t, srv.Serve())
	defer srv.Close()
	require.NoError(t, srv.Publish("kept", []byte("v"), true, 1))
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	require.Eventually(t, func() bool {
		return value(t, scrape(t, hs.URL), "wrenmq_storage_operations_total", nil) >= 1
	}, 5*time.Second, 10*time.Millisecond)
	fams := scrape(t, hs.URL)
	require.Equal(t, 1.0, value(t, fams, "wrenmq_storage_healthy", nil))
	require.Equal(t, 0.0, value(t, fams, "wrenmq_storage_errors_total", nil))
}
