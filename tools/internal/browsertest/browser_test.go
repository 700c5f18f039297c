// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

//go:embed client.js
var clientJS string

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body><pre id="result">pending</pre>
<script>{{.JS}}</script>
<script>mqttEcho({{.URL}}, "browser-client", "browser/echo", {{.Payload}});</script>
</body></html>`))

// chromium finds the browser, or skips (fails under CI=true) when missing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "headless Chromium is not installed; run scripts/install-deps.sh (installs Debian's chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// A page from another origin (allowed by the listener) connects to the
// WebSocket listener with a hand-written JavaScript MQTT 3.1.1 client,
// subscribes, publishes in two WebSocket messages and receives its own
// message.
func TestBrowserWebSocketEcho(t *testing.T) {
	browser := chromium(t)

	const payload = "hello from chromium"
	hs := httptest.NewUnstartedServer(nil) // bound now, started once the page knows the broker
	defer hs.Close()
	pageOrigin := "http://" + hs.Listener.Addr().String()
	ws, err := listeners.ListenWebSocket("ws", "127.0.0.1:0", listeners.WebSocketOptions{AllowedOrigins: []string{pageOrigin}})
	require.NoError(t, err)
	wsURL := "ws://" + ws.Addr().String() + ws.Path()
	hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"JS": template.JS(clientJS), "URL": wsURL, "Payload": payload})
	})
	hs.Start()

	srv := broker.New(broker.Options{SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddListener(ws))
	require.NoError(t, srv.Serve())
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=15000", "--dump-dom", hs.URL)
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "chromium: %s", stderr)
	dom := string(out)
	want := fmt.Sprintf("received:browser/echo:%s", payload)
	require.True(t, strings.Contains(dom, want), "the page did not receive its message; DOM:\n%s\nchromium stderr:\n%s", dom, stderr)
}
