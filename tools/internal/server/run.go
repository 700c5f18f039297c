// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package server is the wrenmq command: flags, configuration file,
// listeners, hooks, signals. cmd/wrenmq only calls Main.
package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Default addresses used when no configuration file is given.
const (
	DefaultTCPAddr = "127.0.0.1:1883"
	DefaultWSAddr  = "127.0.0.1:1882"
)

// flags are the command-line settings; those left unset do not override
// the configuration file.
type flags struct {
	config, check          string
	version                bool
	tcp, ws, http          *string
	logLevel, logFormat    *string
	debugPackets, allowAll bool
	ledger                 string
	set                    map[string]bool
}

type optString struct{ p **string }

func (o optString) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return **o.p
}

func (o optString) Set(s string) error { *o.p = &s; return nil }

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("wrenmq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: wrenmq [flags]\n\n"+
			"With no flags wrenmq serves MQTT on %s (TCP) and %s (WebSocket, any path, e.g. /mqtt),\n"+
			"and on the same ports of [::1] where the machine has IPv6,\n"+
			"in memory, allowing anonymous clients because it listens on loopback only.\n"+
			"Addresses take host:port; port 0 picks a free port (logged); \"off\" disables.\n"+
			"Flags override the configuration file. See tools/README.md.\n\nFlags:\n", DefaultTCPAddr, DefaultWSAddr)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.config, "config", "", "read the configuration `file` (YAML or JSON)")
	fs.StringVar(&f.check, "check-config", "", "validate the configuration `file` and exit")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.Var(optString{&f.tcp}, "tcp", "MQTT over TCP on `addr` (replaces the file's tcp listeners; off: none) (default "+DefaultTCPAddr+" without -config)")
	fs.Var(optString{&f.ws}, "ws", "MQTT over WebSocket on `addr`, any path (replaces the file's ws listeners; off: none) (default "+DefaultWSAddr+" without -config)")
	fs.Var(optString{&f.http}, "http", "HTTP endpoint for /stats, /healthz, /readyz and /metrics on `addr` (off: none) (default off)")
	fs.Var(optString{&f.logLevel}, "log-level", "log `level`: debug, info, warn, error (default info)")
	fs.Var(optString{&f.logFormat}, "log-format", "log `format`: text or json (default text)")
	fs.BoolVar(&f.debugPackets, "debug-packets", false, "log every packet in and out (at debug level; implies -log-level debug unless set)")
	fs.BoolVar(&f.allowAll, "allow-all", false, "let every client connect, publish and subscribe, also on non-loopback listeners")
	fs.StringVar(&f.ledger, "ledger", "", "authenticate and authorise clients with the authledger `file`")
	if err := fs.Parse(args); err != nil {
		return nil, reportedError{err} // the flag package printed it
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, nil
}

// defaultConfig is the configuration without a file: TCP and WebSocket on
// the IPv4 loopback address and, where the machine has one, the IPv6 one
// (as Mosquitto does), so that clients resolving "localhost" to ::1 first
// find the broker too.
func defaultConfig() *Config {
	return &Config{Listeners: []ListenerConfig{
		{ID: "tcp", Type: typeTCP, Address: DefaultTCPAddr},
		{ID: "ws", Type: typeWS, Address: DefaultWSAddr},
		{ID: "tcp-ipv6", Type: typeTCP, Address: ipv6Loopback(DefaultTCPAddr), optional: true},
		{ID: "ws-ipv6", Type: typeWS, Address: ipv6Loopback(DefaultWSAddr), optional: true},
	}}
}

// ipv6Loopback returns addr's port on the IPv6 loopback address.
func ipv6Loopback(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return net.JoinHostPort("::1", port)
}

// apply lets the flags override c.
func (f *flags) apply(c *Config) error {
	replace := func(typ string, addr *string) {
		if addr == nil {
			return
		}
		kept := c.Listeners[:0:0]
		for _, l := range c.Listeners {
			if l.Type != typ {
				kept = append(kept, l)
			}
		}
		if !isOff(*addr) {
			kept = append(kept, ListenerConfig{ID: typ, Type: typ, Address: *addr})
		}
		c.Listeners = kept
	}
	replace(typeTCP, f.tcp)
	replace(typeWS, f.ws)
	if f.http != nil {
		c.HTTP.Addr = *f.http
	}
	if f.logLevel != nil {
		c.Logging.Level = *f.logLevel
	}
	if f.logFormat != nil {
		c.Logging.Format = *f.logFormat
	}
	if f.debugPackets {
		c.Logging.Packets = true
		if f.logLevel == nil {
			c.Logging.Level = "debug"
		}
	}
	if f.allowAll && f.ledger != "" {
		return errors.New("flags -allow-all and -ledger exclude each other")
	}
	if f.allowAll {
		c.Auth = &AuthConfig{AllowAll: true}
	}
	if f.ledger != "" {
		c.Auth = &AuthConfig{Ledger: f.ledger}
	}
	return nil
}

// versionString is the version set at build time, or the module version.
func versionString(v string) string {
	if v != "" {
		return v
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	// Built from a checkout: name the commit, as `go build` records it.
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// Main runs the wrenmq command with args (without the program name) and
// returns the exit status: 0 on a clean shutdown, 1 on an error, 2 on bad
// usage.
func Main(args []string, stdout, stderr io.Writer, version string) int {
	version = versionString(version)
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		if !errors.As(err, new(reportedError)) {
			fmt.Fprintln(stderr, "wrenmq:", err)
		}
		return 2
	}
	if f.version {
		fmt.Fprintln(stdout, "wrenmq", version)
		return 0
	}
	if f.check != "" {
		c, err := LoadConfig(f.check)
		if err == nil {
			_, err = c.plan()
		}
		if err != nil {
			fmt.Fprintf(stderr, "wrenmq: invalid configuration:\n%v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "configuration %s is valid\n", f.check)
		return 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := run(ctx, f, stderr, version, hup); err != nil {
		if !errors.As(err, new(reportedError)) {
			if f.logFormat != nil && *f.logFormat == "json" {
				// The configuration did not load: the flag says JSON.
				slog.New(slog.NewJSONHandler(stderr, nil)).Error("wrenmq stopped", "err", err.Error())
			} else {
				fmt.Fprintln(stderr, "wrenmq:", err)
			}
		}
		return 1
	}
	return 0
}

// reportedError is an error already written to stderr (by the flag
// package, or as a JSON log line).
type reportedError struct{ error }

func (e reportedError) Unwrap() error { return e.error }

// load reads the configuration file (or the defaults) and applies the flags.
// before, when set, runs after the flags are applied and before
// validation (which may log, e.g. authledger warnings).
func load(f *flags, before func(*Config)) (*Config, *plan, error) {
	c := defaultConfig()
	if f.config != "" {
		var err error
		if c, err = LoadConfig(f.config); err != nil {
			return nil, nil, fmt.Errorf("invalid configuration:\n%w", err)
		}
	}
	if err := f.apply(c); err != nil {
		return nil, nil, err
	}
	if before != nil {
		before(c)
	}
	p, err := c.plan()
	if err != nil {
		return nil, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, p, nil
}

// run starts the broker and serves until ctx is done; each value on hup
// reloads the auth ledger and the log level.
func run(ctx context.Context, f *flags, stderr io.Writer, version string, hup <-chan os.Signal) error {
	// The logger is set up from the logging section before validation so
	// that what validation logs has the configured format.
	level := new(slog.LevelVar)
	var log *slog.Logger
	jsonLog := false
	// fatal ends the run with err, logged as JSON when the logs are JSON
	// (so that a log shipper keeps the line that says why), else left to
	// Main, which prints "wrenmq: ...".
	fatal := func(err error) error {
		if !jsonLog || log == nil {
			return err
		}
		log.Error("wrenmq stopped", "err", err.Error())
		return reportedError{err}
	}
	_, p, err := load(f, func(c *Config) {
		if lv, err := parseLevel(c.Logging.Level); err == nil {
			level.Set(lv)
		}
		hopts := &slog.HandlerOptions{Level: level}
		var h slog.Handler = slog.NewTextHandler(stderr, hopts)
		if c.Logging.Format == "json" {
			h = slog.NewJSONHandler(stderr, hopts)
			jsonLog = true
		}
		log = slog.New(h)
		slog.SetDefault(log)
	})
	if err != nil {
		return fatal(err)
	}

	log.Info("starting wrenmq", "version", version, "storage", p.storage.Backend)
	inst, err := start(p, log, version)
	if err != nil {
		return fatal(err)
	}
	if p.anonymous {
		log.Warn("anonymous clients are allowed because every MQTT listener is on loopback (or a Unix socket); " +
			"to accept clients from other hosts, write a configuration file with listeners and an auth section " +
			"(an authledger file, see tools/README.md) and start wrenmq -config FILE")
	} else if p.allowAll {
		log.Warn("auth allow_all: every client may connect, publish and subscribe")
	}
	if p.packets && !log.Enabled(ctx, slog.LevelDebug) {
		log.Warn("packet logging is on but the log level is above debug; set logging.level: debug to see packets")
	}
	log.Info("wrenmq is ready")

	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down", "deadline", p.shutdownTime.String())
			sctx, cancel := context.WithTimeout(context.Background(), p.shutdownTime)
			defer cancel()
			if err := inst.stop(sctx); err != nil {
				return fatal(err)
			}
			log.Info("stopped")
			return nil
		case <-hup:
			inst.reload(f, level)
		}
	}
}

// reload re-reads the configuration for SIGHUP: the auth ledger and the log
// level take effect without dropping connections; other changes need a
// restart.
func (inst *instance) reload(f *flags, level *slog.LevelVar) {
	log := inst.log
	log.Info("SIGHUP: reloading the auth ledger and the log level")
	_, p, err := load(f, nil)
	if err != nil {
		log.Error("SIGHUP: configuration not reloaded; the running one stays in force", "err", err)
		return
	}
	if p.level != level.Level() {
		level.Set(p.level)
		log.Info("log level changed", "new_level", p.level.String())
	}
	switch {
	case inst.ledger != nil && p.ledger != nil:
		inst.ledger.Reload(p.ledger)
		log.Info("auth ledger reloaded", "file", p.ledgerPath)
		// Access the new ledger revokes ends for existing subscriptions too.
		inst.srv.RecheckSubscriptions()
	case inst.ledger != nil || p.ledger != nil:
		log.Warn("SIGHUP: switching between a ledger and another auth mode needs a restart")
	}
}
