// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command wrenmq-passwd prints ledger credentials for a password: a bcrypt
// hash for the password field of an auth rule and the SCRAM-SHA-256 scram
// mapping for MQTT v5 enhanced authentication.
//
// Usage:
//
//	wrenmq-passwd [-cost N] [-iterations N] [-user NAME] [-no-scram]
//
// The password is read from the first line of standard input, so that it
// stays out of the shell history and the process list:
//
//	printf '%s\n' 'correct horse' | wrenmq-passwd -user alice
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wrenmq/wrenmq/authledger"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wrenmq-passwd:", err)
		os.Exit(2)
	}
}

func run(args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("wrenmq-passwd", flag.ContinueOnError)
	cost := fs.Int("cost", authledger.DefaultBcryptCost, "bcrypt cost (4-31)")
	iterations := fs.Int("iterations", authledger.MinSCRAMIterations, "SCRAM PBKDF2 iterations (at least 4096)")
	user := fs.String("user", "USERNAME", "user name to put in the printed rule")
	noSCRAM := fs.Bool("no-scram", false, "print only the bcrypt hash")
	if err := fs.Parse(args); err != nil {
		return err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("empty password on standard input")
	}
	hash, err := authledger.HashPassword(password, *cost)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "auth:\n  - username: %q\n    password: '%s'\n", *user, hash)
	if !*noSCRAM {
		if *iterations < authledger.MinSCRAMIterations {
			return fmt.Errorf("iterations %d below %d", *iterations, authledger.MinSCRAMIterations)
		}
		cred, err := authledger.DeriveSCRAM(password, nil, *iterations)
		if err != nil {
			return err
		}
		fmt.Fprint(out, cred.YAML(4))
	}
	fmt.Fprintln(out, "    allow: true")
	return nil
}
