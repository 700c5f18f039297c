// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package crashtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long the binary may take to restore its state
// and log its listener address.
const startTimeout = 30 * time.Second

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string // removed by TestMain
)

// binary builds tools/cmd/wrenmq once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "wrenmq-crashtest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "wrenmq")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/wrenmq/wrenmq/tools/cmd/wrenmq")
		var out []byte
		out, buildErr = cmd.CombinedOutput()
		if buildErr != nil {
			buildErr = fmt.Errorf("go build wrenmq: %w\n%s", buildErr, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// brokerProc is one run of the binary.
type brokerProc struct {
	cmd    *exec.Cmd
	log    *logWatch
	exited chan struct{} // closed when cmd.Wait has returned
	addr   string
}

// startBroker runs the binary with the configuration file and waits for
// its TCP listener address.
func startBroker(t *testing.T, config string) *brokerProc {
	t.Helper()
	lw := &logWatch{ready: make(chan string, 1)}
	cmd := exec.Command(binary(t), "-config", config)
	cmd.Stdout = lw
	cmd.Stderr = lw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wrenmq: %v", err)
	}
	b := &brokerProc{cmd: cmd, log: lw, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(b.exited)
	}()
	t.Cleanup(func() { b.kill(t) })
	select {
	case b.addr = <-lw.ready:
	case <-b.exited:
		t.Fatalf("wrenmq exited before serving: %v\n%s", cmd.ProcessState, lw.tail())
	case <-time.After(startTimeout):
		t.Fatalf("wrenmq did not log its listener within %v\n%s", startTimeout, lw.tail())
	}
	return b
}

// kill sends SIGKILL and waits for the process to be gone.
func (b *brokerProc) kill(t *testing.T) {
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-b.exited:
	case <-time.After(startTimeout):
		t.Errorf("wrenmq pid %d did not exit after SIGKILL", b.cmd.Process.Pid)
	}
}

// stop asks for a graceful shutdown (SIGTERM) and waits for it.
func (b *brokerProc) stop(t *testing.T) {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		if !b.cmd.ProcessState.Success() {
			t.Errorf("wrenmq exited with %v after SIGTERM\n%s", b.cmd.ProcessState, b.log.tail())
		}
	case <-time.After(startTimeout):
		t.Errorf("wrenmq did not stop within %v of SIGTERM", startTimeout)
		b.kill(t)
	}
}

// logWatch receives the binary's JSON log: it reports the TCP listener's
// address on ready and keeps the restore line and the last lines for
// failure messages.
type logWatch struct {
	ready chan string

	mu       sync.Mutex // guards the fields below
	partial  []byte
	lines    []string
	restored string
	httpAddr string // of the HTTP endpoint, when the configuration has one
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		w.lines = append(w.lines, line)
		if len(w.lines) > 200 {
			w.lines = w.lines[len(w.lines)-100:]
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		switch rec["msg"] {
		case "MQTT listener ready":
			if addr, _ := rec["addr"].(string); addr != "" && rec["type"] == "tcp" {
				select {
				case w.ready <- addr:
				default:
				}
			}
		case "restored state from storage":
			w.restored = line
		case "HTTP endpoint ready":
			w.httpAddr, _ = rec["addr"].(string)
		}
	}
	return len(p), nil
}

// restoreLine is the broker's "restored state from storage" log line.
func (w *logWatch) restoreLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.restored
}

// http is the HTTP endpoint's address, logged before the MQTT listener.
func (w *logWatch) http() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.httpAddr
}

// tail is the end of the log, for failure messages.
func (w *logWatch) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := max(len(w.lines)-30, 0)
	return strings.Join(w.lines[n:], "\n")
}

// writeConfig writes the broker's configuration file for a storage
// section and returns its path.
func writeConfig(t *testing.T, storage string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wrenmq.yaml")
	cfg := "listeners:\n  - type: tcp\n    address: 127.0.0.1:0\n" +
		"logging:\n  format: json\n  level: info\n" + storage
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
