// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// bin is the wrenmq binary built for the tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wrenmq-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "wrenmq")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build wrenmq: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// proc is a running wrenmq process whose JSON log lines are collected.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu    sync.Mutex
	lines []map[string]any
	cond  chan struct{} // closed and replaced at each new line
}

// startWrenmq runs the binary with args plus JSON logging and waits until
// it logs "wrenmq is ready"; the process is stopped (SIGTERM) at the end of
// the test and must exit 0.
func startWrenmq(t *testing.T, args ...string) *proc {
	t.Helper()
	p := runWrenmq(t, append([]string{"-log-format", "json"}, args...)...)
	p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "wrenmq is ready" })
	t.Cleanup(func() {
		if p.exited() {
			return
		}
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-p.done:
			require.NoError(t, p.err, "wrenmq exit status")
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
			t.Fatal("wrenmq did not stop within 15s of SIGTERM")
		}
	})
	return p
}

// runWrenmq starts the binary; stderr lines are parsed as JSON when they are.
func runWrenmq(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{}), cond: make(chan struct{})}
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				l = map[string]any{"raw": sc.Text()}
			}
			p.mu.Lock()
			p.lines = append(p.lines, l)
			close(p.cond)
			p.cond = make(chan struct{})
			p.mu.Unlock()
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitLog waits for a log line matching ok and returns it.
func (p *proc) waitLog(t *testing.T, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(15 * time.Second)
	seen := 0
	for {
		p.mu.Lock()
		lines, cond := p.lines, p.cond
		p.mu.Unlock()
		for ; seen < len(lines); seen++ {
			if ok(lines[seen]) {
				return lines[seen]
			}
		}
		select {
		case <-cond:
		case <-p.done:
			p.mu.Lock()
			n := len(p.lines)
			p.mu.Unlock()
			if n == seen {
				t.Fatalf("wrenmq exited (%v) before the expected log line; log:\n%s", p.err, p.log())
			}
		case <-deadline:
			t.Fatalf("timed out waiting for a log line; log:\n%s", p.log())
		}
	}
}

// log returns the collected log for failure messages.
func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines {
		j, _ := json.Marshal(l)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// addr returns the address logged for the MQTT listener id.
func (p *proc) addr(t *testing.T, id string) string {
	t.Helper()
	l := p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "MQTT listener ready" && l["listener"] == id })
	return l["addr"].(string)
}

// httpAddr returns the address logged for the HTTP endpoint.
func (p *proc) httpAddr(t *testing.T) string {
	t.Helper()
	return p.waitLog(t, func(l map[string]any) bool { return l["msg"] == "HTTP endpoint ready" })["addr"].(string)
}

// lockedConn makes paho's multi-write packets atomic (see broker/listeners).
type lockedConn struct {
	net.Conn
	sync.Mutex
}

// client is a connected paho v5 client and the messages it receives.
type client struct {
	*paho.Client
	msgs chan *paho.Publish
}

// connect runs CONNECT over nc and fails the test unless it succeeds.
func connect(t *testing.T, nc net.Conn, id string, user, pass string) *client {
	t.Helper()
	c, code, err := tryConnect(t, nc, id, user, pass)
	require.NoError(t, err)
	require.Equal(t, byte(0), code)
	return c
}

// tryConnect runs CONNECT over nc and returns the CONNACK reason code.
func tryConnect(t *testing.T, nc net.Conn, id string, user, pass string) (*client, byte, error) {
	t.Helper()
	c := &client{msgs: make(chan *paho.Publish, 16)}
	c.Client = paho.NewClient(paho.ClientConfig{
		Conn: &lockedConn{Conn: nc},
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(r paho.PublishReceived) (bool, error) { c.msgs <- r.Packet; return true, nil },
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cp := &paho.Connect{ClientID: id, CleanStart: true, KeepAlive: 30}
	if user != "" {
		cp.Username, cp.UsernameFlag = user, true
		cp.Password, cp.PasswordFlag = []byte(pass), true
	}
	t.Cleanup(func() {
		_ = c.Disconnect(&paho.Disconnect{})
		<-c.Done()
	})
	ca, err := c.Connect(ctx, cp)
	if ca != nil {
		return c, ca.ReasonCode, err
	}
	return c, 0xFF, err
}

// echo subscribes to topic, publishes to it and waits for the message.
func (c *client) echo(t *testing.T, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}})
	require.NoError(t, err)
	_, err = c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)})
	require.NoError(t, err)
	select {
	case m := <-c.msgs:
		require.Equal(t, payload, string(m.Payload))
	case <-ctx.Done():
		t.Fatalf("no message on %s", topic)
	}
}

// wsConn is the client side of MQTT over WebSocket as a net.Conn.
type wsConn struct {
	*websocket.Conn
	r io.Reader
}

func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			_, r, err := c.NextReader()
			if err != nil {
				return 0, err
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if err == io.EOF {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *wsConn) Write(p []byte) (int, error) {
	if err := c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *wsConn) SetDeadline(t time.Time) error {
	_ = c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// dialWS opens MQTT over WebSocket to url.
func dialWS(t *testing.T, url string, d *websocket.Dialer) net.Conn {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{}
	}
	d.Subprotocols = []string{"mqtt"}
	d.HandshakeTimeout = 5 * time.Second
	ws, resp, err := d.Dial(url, nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return &wsConn{Conn: ws}
}

// httpGet returns the status and body of url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// errorsAs is errors.As, named to keep the imports of the test files apart.
func errorsAs(err error, target any) bool { return errors.As(err, target) }
