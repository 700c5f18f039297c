// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package brokers builds and starts the brokers that compare measures, each
// as a separate process listening on a free loopback port: wrenmq (the real
// binary, built from tools/cmd/wrenmq), Mosquitto (when installed) and
// mochi-mqtt (built from the peer program in loadtest/peers/mochi).
package brokers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Broker is a broker that can be started any number of times.
type Broker struct {
	// Name is "wrenmq", "mosquitto" or "mochi".
	Name string
	// Version describes what was built or found.
	Version string
	// command returns the command line for a broker on addr; dir is a
	// scratch directory for configuration files.
	command func(addr, dir string) (*exec.Cmd, error)
}

// Process is one running broker.
type Process struct {
	Name string
	// Addr is the TCP address the broker listens on.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status, set before done is closed
}

// PID returns the broker's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Start starts b on a free loopback port, sending its output to log, and
// returns when the port accepts connections.
func (b *Broker) Start(dir string, log *os.File) (*Process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd, err := b.command(addr, dir)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", b.Name, err)
	}
	p := &Process{Name: b.Name, Addr: addr, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before listening on %s: %v (see its log %s)", b.Name, addr, p.err, log.Name())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.Stop()
			return nil, fmt.Errorf("%s did not listen on %s within 15 s", b.Name, addr)
		}
	}
}

// Stop asks the broker to stop (SIGTERM), kills it after 10 s, and waits.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s had exited during the run: %v", p.Name, p.err)
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop on SIGTERM within 10 s; killed", p.Name)
	}
}

// Alive reports whether the process is still running.
func (p *Process) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Wrenmq builds the wrenmq binary from root/tools/cmd/wrenmq into bin and
// returns it as a Broker started with -tcp ADDR -ws off -http off. With a
// non-empty rev it builds that git revision instead of the work tree, from
// a temporary detached worktree, so that results belong to a commit and
// two revisions can be compared.
func Wrenmq(ctx context.Context, root, bin, rev string) (*Broker, error) {
	exe := filepath.Join(bin, "wrenmq")
	src := root
	desc := gitRevision(root)
	if rev != "" {
		wt := filepath.Join(bin, "wrenmq-src")
		out, err := exec.CommandContext(ctx, "git", "-C", root, "worktree", "add", "--detach", wt, rev).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("git worktree add %s: %w\n%s", rev, err, out)
		}
		defer func() {
			_ = exec.Command("git", "-C", root, "worktree", "remove", "--force", wt).Run()
		}()
		src = wt
		if out, err := exec.Command("git", "-C", wt, "rev-parse", "--short", "HEAD").Output(); err == nil {
			desc = strings.TrimSpace(string(out))
		}
	}
	// Without the workspace: the tools module's replace lines point at the
	// sibling modules of the same tree.
	if err := goBuild(ctx, filepath.Join(src, "tools", "cmd", "wrenmq"), exe, "GOWORK=off"); err != nil {
		return nil, err
	}
	return &Broker{Name: "wrenmq", Version: "wrenmq " + desc + " (tools/cmd/wrenmq, go build)",
		command: func(addr, _ string) (*exec.Cmd, error) {
			return exec.Command(exe, "-tcp", addr, "-ws", "off", "-http", "off"), nil
		}}, nil
}

// Mochi builds the mochi-mqtt peer program in root/loadtest/peers/mochi
// (its own module, built without the workspace) into bin.
func Mochi(ctx context.Context, root, bin string) (*Broker, error) {
	exe := filepath.Join(bin, "mochi")
	src := filepath.Join(root, "loadtest", "peers", "mochi")
	if err := goBuild(ctx, src, exe, "GOWORK=off"); err != nil {
		return nil, err
	}
	return &Broker{Name: "mochi", Version: "mochi-mqtt " + moduleVersion(src, "github.com/mochi-mqtt/server/v2") + " (default options, allow-all hook)",
		command: func(addr, _ string) (*exec.Cmd, error) {
			return exec.Command(exe, "-tcp", addr), nil
		}}, nil
}

// Mosquitto finds the mosquitto binary; each start writes a configuration
// with the listener and anonymous access, everything else at its defaults.
func Mosquitto() (*Broker, error) {
	exe, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			return nil, errors.New("mosquitto is not installed (Debian package mosquitto)")
		}
		exe = "/usr/sbin/mosquitto"
	}
	version := "mosquitto"
	if out, _ := exec.Command(exe, "-h").CombinedOutput(); len(out) > 0 {
		version = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	return &Broker{Name: "mosquitto", Version: version + " (defaults; listener and allow_anonymous only)",
		command: func(addr, dir string) (*exec.Cmd, error) {
			host, port, _ := net.SplitHostPort(addr)
			conf := filepath.Join(dir, "mosquitto-"+port+".conf")
			body := fmt.Sprintf("listener %s %s\nallow_anonymous true\n", port, host)
			if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
				return nil, fmt.Errorf("write mosquitto configuration: %w", err)
			}
			return exec.Command(exe, "-c", conf), nil
		}}, nil
}

// goBuild runs go build -o out in dir, with extra environment variables.
func goBuild(ctx context.Context, dir, out string, env ...string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %w\n%s", dir, err, b)
	}
	return nil
}

// gitRevision returns the short commit of root, with "+dirty" when the
// broker, codec or tools sources in the work tree differ from it.
func gitRevision(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", "broker", "codec", "tools").Output(); err == nil && len(st) > 0 {
		rev += "+dirty"
	}
	return rev
}

// moduleVersion reads the version of module path required by dir/go.mod.
func moduleVersion(dir, path string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	return "?"
}
