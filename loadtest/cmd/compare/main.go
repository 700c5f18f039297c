// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command compare measures wrenmq against Mosquitto and mochi-mqtt in one
// run: it builds wrenmq (tools/cmd/wrenmq) and the mochi peer program
// (loadtest/peers/mochi), finds mosquitto, and runs the same scenarios
// against each broker, every run on a freshly started broker process on
// loopback, alternating the broker order between repetitions. It prints
// medians with their ranges, ratios and the targets of issue 8, and writes
// loadtest/RESULTS.md with SVG charts and the raw runs in loadtest/results.
//
//	cd loadtest && go run ./cmd/compare                 # the full comparison
//	go run ./cmd/compare -quick -reps 1                 # a quick look
//	go run ./cmd/compare -scenarios pairs-100,idle -brokers wrenmq,mosquitto
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/wrenmq/wrenmq/loadtest/internal/brokers"
	"github.com/wrenmq/wrenmq/loadtest/internal/procfs"
	"github.com/wrenmq/wrenmq/loadtest/internal/report"
	"github.com/wrenmq/wrenmq/loadtest/internal/scenario"
)

type options struct {
	reps      int
	brokers   string
	scenarios string
	quick     bool
	root      string
	out       string
	report    string
	notes     string
	quiet     time.Duration
	noWrite   bool
	rev       string
}

func main() {
	var o options
	flag.IntVar(&o.reps, "reps", 3, "repetitions of every scenario per broker")
	flag.StringVar(&o.brokers, "brokers", "wrenmq,mosquitto,mochi", "brokers to measure, comma-separated")
	flag.StringVar(&o.scenarios, "scenarios", "all", "scenarios to run, comma-separated (see -list)")
	flag.BoolVar(&o.quick, "quick", false, "divide message and connection counts by 10")
	flag.StringVar(&o.root, "root", "", "repository root (default: the directory of go.work)")
	flag.StringVar(&o.out, "out", "", "directory for charts and raw runs (default ROOT/loadtest/results)")
	flag.StringVar(&o.report, "report", "", "Markdown report to write (default ROOT/loadtest/RESULTS.md)")
	flag.StringVar(&o.notes, "notes", "", "Markdown file included in the report as the analysis (default OUT/NOTES.md when present)")
	flag.DurationVar(&o.quiet, "quiet", 3*time.Second, "end a run after this long without progress; what is missing then is lost")
	flag.BoolVar(&o.noWrite, "no-write", false, "print the tables only; write no report")
	flag.StringVar(&o.rev, "wrenmq-rev", "", "build wrenmq from this git `revision` (e.g. HEAD) instead of the work tree")
	list := flag.Bool("list", false, "list the scenarios and exit")
	flag.Parse()
	if *list {
		for _, p := range presets(o.quick) {
			fmt.Printf("%-16s %s\n", p.name, p.cfg.Name())
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func run(ctx context.Context, o options) error {
	began := time.Now()
	root, err := findRoot(o.root)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "loadtest", "results")
	}
	if o.report == "" {
		o.report = filepath.Join(root, "loadtest", "RESULTS.md")
	}
	if o.notes == "" {
		o.notes = filepath.Join(o.out, "NOTES.md")
	}
	if n, err := procfs.RaiseNoFile(); err != nil {
		progress("warning: %v", err)
	} else if n < 11300 {
		// 10,000 connections, plus wrenmq's reserve of 1,024 descriptors
		// (Limits.MaxConnections) and some for the rest.
		progress("warning: open-file limit is %d; the idle scenario needs more than 11,300", n)
	}
	presetsSel, err := selectPresets(presets(o.quick), o.scenarios)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "wrenmq-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)

	bs, skipped := prepare(ctx, root, scratch, o.rev, strings.Split(o.brokers, ","))
	if len(bs) == 0 {
		return errors.New("no broker to measure")
	}
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = b.Name
	}
	machine := describeMachine()
	progress("machine: %s", machine.oneLine())

	var runs []report.Run
	total := o.reps * len(presetsSel) * len(bs)
	step := 0
	for rep := range o.reps {
		order := rotate(bs, rep)
		for _, p := range presetsSel {
			for pos, b := range order {
				step++
				if ctx.Err() != nil {
					return ctx.Err()
				}
				r := measure(ctx, b, p.cfg, o, scratch)
				r.Rep, r.Position = rep+1, pos
				runs = append(runs, r)
				progress("[%3d/%d %s] rep %d/%d  %-32s %-10s %s", step, total, clock(time.Since(began)), rep+1, o.reps, p.cfg.Name(), b.Name, brief(r))
			}
		}
	}
	cfgs := make([]scenario.Config, len(presetsSel))
	for i, p := range presetsSel {
		cfgs[i] = p.cfg
	}
	rows := report.Summarise(cfgs, runs)
	tables := report.Tables(rows, names)
	checks := report.Targets(rows)
	fmt.Println(tables)
	fmt.Println(report.TargetsMarkdown(checks))
	if o.noWrite {
		return nil
	}
	machine.loadAfter = loadavg()
	doc := reportDoc{
		when: began, took: time.Since(began), args: os.Args[1:], machine: machine, brokers: bs, skipped: skipped,
		reps: o.reps, quick: o.quick, quiet: o.quiet, tables: tables, checks: checks,
		errors: report.Errors(rows, names), charts: report.Charts(rows, names), notesFile: o.notes,
	}
	if err := doc.write(o.report, o.out, runs); err != nil {
		return err
	}
	progress("wrote %s and %s", o.report, o.out)
	return nil
}

// measure starts a fresh broker, runs one scenario against it and stops it.
func measure(ctx context.Context, b *brokers.Broker, cfg scenario.Config, o options, scratch string) report.Run {
	r := report.Run{Broker: b.Name, Scenario: cfg.Name()}
	log, err := os.OpenFile(filepath.Join(scratch, b.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer log.Close()
	proc, err := b.Start(scratch, log)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	cfg.Addr, cfg.PID, cfg.Quiet = proc.Addr, proc.PID(), o.quiet
	cfg.MaxDuration = 5 * time.Minute
	res, err := scenario.Run(ctx, cfg)
	r.Result = res
	if err != nil {
		r.Err = err.Error()
	}
	if serr := proc.Stop(); serr != nil && r.Err == "" {
		r.Err = serr.Error()
	}
	return r
}

// brief is the progress line's summary of a run.
func brief(r report.Run) string {
	res := r.Result
	if res == nil {
		return "FAILED: " + r.Err
	}
	var s string
	if res.Kind == scenario.Idle {
		s = fmt.Sprintf("%d conns, %.0f conn/s, %.2f KiB/conn, CPU %.2fs, peak RSS %.1f MiB",
			res.Connections, res.ConnectRate, res.MemPerConn/1024, res.BrokerCPU, float64(res.BrokerPeakRSS)/(1<<20))
	} else {
		s = fmt.Sprintf("%7.0f del/s %7.0f pub/s  p99 %6.1fms  lost %d dup %d  CPU %.2fs  peak RSS %.1f MiB",
			res.DeliverRate, res.PublishRate, res.LatencyP99/1000, res.Lost, res.Duplicates, res.BrokerCPU, float64(res.BrokerPeakRSS)/(1<<20))
		if res.TimedOut {
			s += "  (quiet timeout)"
		}
	}
	if r.Err != "" {
		s += "  error: " + r.Err
	}
	if len(res.Missing) > 0 {
		s += "  missing: " + strings.Join(res.Missing, ", ")
	}
	if len(res.Errors) > 0 {
		s += fmt.Sprintf("  %d connection errors, first: %s", len(res.Errors), res.Errors[0])
	}
	return s
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// rotate returns bs rotated left by n, so that each broker takes every
// position in turn across repetitions.
func rotate(bs []*brokers.Broker, n int) []*brokers.Broker {
	n %= len(bs)
	return append(append([]*brokers.Broker(nil), bs[n:]...), bs[:n]...)
}

// prepare builds or finds each named broker; those that cannot be had are
// reported and skipped.
func prepare(ctx context.Context, root, scratch, rev string, names []string) ([]*brokers.Broker, []string) {
	var (
		out     []*brokers.Broker
		skipped []string
	)
	for _, n := range names {
		n = strings.TrimSpace(n)
		var (
			b   *brokers.Broker
			err error
		)
		progress("preparing %s ...", n)
		switch n {
		case "wrenmq":
			b, err = brokers.Wrenmq(ctx, root, scratch, rev)
		case "mosquitto":
			b, err = brokers.Mosquitto()
		case "mochi":
			b, err = brokers.Mochi(ctx, root, scratch)
		default:
			err = fmt.Errorf("unknown broker (known: wrenmq, mosquitto, mochi)")
		}
		if err != nil {
			msg := fmt.Sprintf("%s skipped: %v", n, err)
			progress("%s", msg)
			skipped = append(skipped, msg)
			continue
		}
		progress("  %s", b.Version)
		out = append(out, b)
	}
	return out, skipped
}

// findRoot returns the repository root: dir if given, else the directory
// of the go.work file in effect.
func findRoot(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK: %w", err)
	}
	w := strings.TrimSpace(string(out))
	if w == "" || w == "off" {
		return "", errors.New("not inside the wrenmq workspace: run from the repository or pass -root")
	}
	return filepath.Dir(w), nil
}

// writeJSON writes v indented to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
