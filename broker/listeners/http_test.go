// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package listeners_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestHTTPStatsAndHealth(t *testing.T) {
	srv := broker.New(broker.Options{SysInterval: -1, Version: "v9.9.9"})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(broker.NewNetListener("tcp", ln)))

	var storageReady atomic.Bool
	h := listeners.NewHTTPHandler(srv, listeners.HTTPOptions{
		Ready: func() (bool, string) { return storageReady.Load(), "storage not restored" },
		Handlers: map[string]http.Handler{"GET /metrics": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "metrics here")
		})},
	})
	hs, err := listeners.ListenHTTP("127.0.0.1:0", h, nil)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- hs.Serve() }()
	base := "http://" + hs.Addr().String()

	code, _ := get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	code, body := get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code, "not serving yet")
	require.Contains(t, body, "not serving")

	require.NoError(t, srv.Serve())
	code, body = get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "storage not restored")
	storageReady.Store(true)
	code, _ = get(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code)

	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	pc := connectPaho(t, nc, "stats-client")
	pc.roundTrip(t, "stats/x", "y")

	code, body = get(t, base+"/stats")
	require.Equal(t, http.StatusOK, code)
	var info broker.SysInfo
	require.NoError(t, json.Unmarshal([]byte(body), &info))
	require.Equal(t, "v9.9.9", info.Version)
	require.EqualValues(t, 1, info.ClientsConnected)
	require.EqualValues(t, 1, info.Subscriptions)
	require.Positive(t, info.BytesReceived)

	code, body = get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "metrics here", body)

	require.NoError(t, srv.Close())
	code, _ = get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code, "closed")
	code, _ = get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code, "the process still serves")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, hs.Close(ctx))
	require.NoError(t, <-served)
}
