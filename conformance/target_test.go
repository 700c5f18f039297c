// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/storage"
	badgerstore "github.com/wrenmq/wrenmq/storage-badger"
	redisstore "github.com/wrenmq/wrenmq/storage-redis"
)

// waitFor bounds every wait for a packet, message or condition.
const waitFor = 5 * time.Second

// Users the authledger combination knows; the allow-all combination
// accepts them too.
const (
	userPlain     = "plain"
	userPlainPass = "plain-pw"
	userSCRAM     = "scram"
	userSCRAMPass = "scram-pw"
	userBanned    = "banned"
	// topicDenied is a one-level topic the ledger lets nobody read or
	// write; being one level, it never spoils multi-level wildcards.
	topicDenied = "denied-topic"
)

// storageKind is one value of the storage axis: how to give a broker its
// durable state. persistent reports whether a restarted broker on the same
// state keeps sessions, queued messages and retained messages.
type storageKind struct {
	name string
	// open prepares the state one scenario's broker (and its restarts)
	// uses and returns the option setter that attaches it.
	open       func(t *testing.T) func(*broker.Options)
	persistent bool
}

// storageKinds is the storage axis. Each open prepares one scenario's
// durable location; the setter it returns builds a new Store on it at
// every broker start (the broker closes its Store on Close), so a
// restarted broker finds what the previous one wrote.
var storageKinds = []storageKind{
	{name: "memory", open: func(*testing.T) func(*broker.Options) {
		// A fresh memory backend per start: nothing survives a restart.
		return func(o *broker.Options) {
			o.Storage = storage.NewStore(storage.NewMemory(), storage.Options{Logger: o.Logger})
		}
	}},
	{name: "badger", persistent: true, open: func(t *testing.T) func(*broker.Options) {
		dir := t.TempDir()
		return func(o *broker.Options) {
			be, err := badgerstore.Open(badgerstore.Options{Dir: dir, Logger: o.Logger})
			require.NoError(t, err)
			o.Storage = storage.NewStore(be, storage.Options{Logger: o.Logger})
		}
	}},
	{name: "redis", persistent: true, open: func(t *testing.T) func(*broker.Options) {
		addr := redisAddr(t)
		prefix := uid("cf") + ":"
		return func(o *broker.Options) {
			be, err := redisstore.Open(redisstore.Options{Addr: addr, Prefix: prefix, Logger: o.Logger})
			require.NoError(t, err)
			o.Storage = storage.NewStore(be, storage.Options{Logger: o.Logger})
		}
	}},
}

// redisServer is the Redis server of the redis targets, started by
// TestConformance for the duration of those targets.
var redisServer struct {
	sync.Mutex
	addr string
}

func redisAddr(t *testing.T) string {
	redisServer.Lock()
	defer redisServer.Unlock()
	if redisServer.addr == "" {
		t.Skip("no Redis server (redistest found none)")
	}
	return redisServer.addr
}

// authKind is one value of the auth axis.
type authKind struct {
	name string
	// ledger is true when the hook is authledger with testLedger.
	ledger bool
}

var authKinds = []authKind{
	{name: "allowall"},
	{name: "authledger", ledger: true},
}

// Target is one broker under test: an in-process broker built from one
// storage and one auth kind, or an external broker.
type Target struct {
	Name     string
	external string // host:port of an external broker, or ""
	storage  storageKind
	auth     authKind
}

// targets returns the combinations to run: the external broker alone when
// WRENMQ_CONFORMANCE_ADDR is set, one combination in -short mode, else all.
func targets() []*Target {
	if addr := os.Getenv("WRENMQ_CONFORMANCE_ADDR"); addr != "" {
		return []*Target{{Name: "external", external: addr}}
	}
	var ts []*Target
	for _, s := range storageKinds {
		for _, a := range authKinds {
			ts = append(ts, &Target{Name: s.name + "+" + a.name, storage: s, auth: a})
			if testing.Short() {
				return ts
			}
		}
	}
	return ts
}

// InProcess reports whether the target is a wrenmq broker in this process,
// whose options and hooks a scenario may set.
func (tg *Target) InProcess() bool { return tg.external == "" }

// needInProcess skips scenarios that configure the broker or inspect it.
func needInProcess(t *testing.T, tg *Target) {
	t.Helper()
	if !tg.InProcess() {
		t.Skip("needs an in-process wrenmq broker (options or hooks)")
	}
}

// Broker is a running broker a scenario talks to.
type Broker struct {
	t    *testing.T
	tg   *Target
	Addr string

	opts    broker.Options
	storage func(*broker.Options)
	srv     *broker.Server
	hook    *authledger.Hook
}

// Start gives the scenario a broker: a fresh in-process one configured by
// mods, or the external one (mods must then be empty: such scenarios call
// needInProcess first).
func (tg *Target) Start(t *testing.T, mods ...func(*broker.Options)) *Broker {
	t.Helper()
	b := &Broker{t: t, tg: tg}
	if !tg.InProcess() {
		require.Empty(t, mods, "scenario configures the broker but did not call needInProcess")
		b.Addr = tg.external
		return b
	}
	b.opts = broker.Options{SysInterval: -1, Logger: slog.New(slog.DiscardHandler)}
	for _, m := range mods {
		m(&b.opts)
	}
	b.storage = tg.storage.open(t)
	b.start("127.0.0.1:0")
	t.Cleanup(func() { _ = b.srv.Close() })
	return b
}

func (b *Broker) start(addr string) {
	t := b.t
	t.Helper()
	opts := b.opts
	if b.storage != nil {
		b.storage(&opts)
	}
	b.srv = broker.New(opts)
	if b.tg.auth.ledger {
		b.hook = authledger.New(authledger.Options{Ledger: testLedger(t)})
		require.NoError(t, b.srv.AddHook(b.hook))
	} else {
		require.NoError(t, b.srv.AddHook(broker.AllowAll{}))
	}
	var ln net.Listener
	var err error
	// Rebinding the port of a broker just closed can race the kernel;
	// retry briefly.
	deadline := time.Now().Add(waitFor)
	for {
		ln, err = net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, err)
	b.Addr = ln.Addr().String()
	require.NoError(t, b.srv.AddListener(broker.NewNetListener("conformance", ln)))
	require.NoError(t, b.srv.Serve())
}

// Server returns the in-process server.
func (b *Broker) Server() *broker.Server { return b.srv }

// Restart closes the in-process broker and starts a new one on the same
// address and the same storage. It reports whether state survives (the
// storage is persistent).
func (b *Broker) Restart() bool {
	b.t.Helper()
	require.NoError(b.t, b.srv.Close())
	b.start(b.Addr)
	return b.tg.storage.persistent
}

var (
	ledgerOnce sync.Once
	ledgerDoc  string
)

// testLedger is the ledger of the authledger combination: anonymous
// clients and the test users may connect and use every topic except
// "denied-topic"; "banned" is refused; "plain" needs its password and
// "scram" its SCRAM-SHA-256 proof.
func testLedger(t *testing.T) *authledger.Ledger {
	ledgerOnce.Do(func() {
		sc, err := authledger.DeriveSCRAM(userSCRAMPass, nil, 0)
		if err != nil {
			panic(err)
		}
		ledgerDoc = fmt.Sprintf(`allow_plaintext: true
default: deny
auth:
  - username: %s
    allow: false
  - username: %s
    password: %s
    allow: true
  - username: %s
    allow: true
%s  - allow: true
acl:
  - filters:
      %s: deny
      '#': readwrite
      '$SYS/#': read
      '$cf/#': readwrite
`, userBanned, userPlain, userPlainPass, userSCRAM, sc.YAML(4), topicDenied)
	})
	l, err := authledger.Parse([]byte(ledgerDoc))
	require.NoError(t, err, ledgerDoc)
	return l
}

var uniq atomic.Int64

// uid returns a name unique in this process, for client ids and topics, so
// that scenarios sharing an external broker never see each other.
func uid(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(prefix, "/", "-"), os.Getpid()%10000, uniq.Add(1))
}
