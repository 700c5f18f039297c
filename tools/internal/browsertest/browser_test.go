// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
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
<script>
// Report the outcome to the test server as soon as there is one.
new MutationObserver(() => {
  const s = document.getElementById("result").textContent;
  if (s.startsWith("received:") || s.startsWith("error:")) {
    fetch("/result", {method: "POST", body: s});
  }
}).observe(document.getElementById("result"), {childList: true, characterData: true, subtree: true});
</script>
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
	results := make(chan string, 4)
	mux := http.NewServeMux()
	mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		select {
		case results <- string(b):
		default:
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"JS": template.JS(clientJS), "URL": wsURL, "Payload": payload})
	})
	hs.Config.Handler = mux
	hs.Start()

	srv := broker.New(broker.Options{SysInterval: -1})
	require.NoError(t, srv.AddHook(broker.AllowAll{}))
	require.NoError(t, srv.AddListener(ws))
	require.NoError(t, srv.Serve())
	defer srv.Close()

	// The page reports its outcome to /result; the browser runs until then
	// (real time: virtual time would run ahead of the network).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), hs.URL)
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var got string
	select {
	case got = <-results:
	case err := <-exited:
		t.Fatalf("chromium exited before the page reported (%v): %s", err, stderr.String())
	case <-time.After(60 * time.Second):
		cancel()
		<-exited
		t.Fatalf("the page reported nothing within 60 s; chromium stderr:\n%s", stderr.String())
	}
	cancel()
	<-exited
	want := fmt.Sprintf("received:browser/echo:%s", payload)
	require.Equal(t, want, got, "the page did not receive its message")
}
