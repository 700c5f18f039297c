// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package crashtest

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wrenmq/wrenmq/codec"
	"github.com/wrenmq/wrenmq/storage-redis/redistest"
)

// Shape of one round.
const (
	publishersPerQoS = 2
	subscriberCount  = 3
	killPoints       = 3
	roundTimeout     = 40 * time.Second
	quietPeriod      = 300 * time.Millisecond
)

// baseSeed is CRASHTEST_SEED or the clock.
func baseSeed(t *testing.T) uint64 {
	if s := os.Getenv("CRASHTEST_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CRASHTEST_SEED: %v", err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

func TestCrashBadger(t *testing.T) {
	skipShort(t)
	t.Parallel()
	runCrashRounds(t, "badger", func(t *testing.T, round int) string {
		return fmt.Sprintf("storage:\n  backend: badger\n  mode: sync\n  badger:\n    dir: %s\n",
			filepath.Join(t.TempDir(), "badger"))
	})
}

// skipShort skips the suite under go test -short and SHORT=1 scripts/test.
func skipShort(t *testing.T) {
	if testing.Short() || os.Getenv("SHORT") != "" {
		t.Skip("crash tests are slow; skipped with -short or SHORT=1")
	}
}

func TestCrashRedis(t *testing.T) {
	skipShort(t)
	t.Parallel()
	addr := redistest.Start(t)
	prefix := fmt.Sprintf("crashtest:%d:", time.Now().UnixNano())
	runCrashRounds(t, "redis", func(t *testing.T, round int) string {
		return fmt.Sprintf("storage:\n  backend: redis\n  mode: sync\n  redis:\n    addr: %s\n    prefix: \"%s%d:\"\n",
			addr, prefix, round)
	})
}

// runCrashRounds runs killPoints rounds, each on fresh storage.
func runCrashRounds(t *testing.T, backend string, storage func(t *testing.T, round int) string) {
	h := fnv.New64a()
	h.Write([]byte(backend))
	seed := baseSeed(t) ^ h.Sum64()
	t.Logf("%s: seed %d (replay with CRASHTEST_SEED=%d)", backend, seed, seed^h.Sum64())
	for round := range killPoints {
		t.Run(fmt.Sprintf("kill%d", round+1), func(t *testing.T) {
			crashRound(t, backend, seed+uint64(round), storage(t, round))
		})
	}
}

// crashRound runs the load, kills the broker once with SIGKILL, restarts
// it on the same storage and checks what the clients received.
func crashRound(t *testing.T, backend string, seed uint64, storage string) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	defer cancel()
	config := writeConfig(t, storage)
	first := startBroker(t, config)
	book := newAddrBook()
	book.set(first.addr)
	errs := &errList{}

	// Sessions and subscriptions exist before the load; one retained
	// message must survive the crash.
	subs := make([]*subscriber, subscriberCount)
	for i := range subs {
		subs[i] = newSubscriber(i, rng.Uint64(), book, errs)
		if err := subs[i].subscribe(ctx); err != nil {
			t.Fatal(err)
		}
	}
	retained := fmt.Sprintf("retained before the crash, seed %d", seed)
	if err := publishRetained(ctx, first.addr, retained); err != nil {
		t.Fatal(err)
	}

	total := int64(2 * publishersPerQoS * perPublisher)
	acks := &ackCounter{at: total*15/100 + rng.Int64N(total*55/100), reached: make(chan struct{})}
	pubs := make([]*publisher, 0, 2*publishersPerQoS)
	for i := range 2 * publishersPerQoS {
		pubs = append(pubs, newPublisher(i, codec.QoS(1+i%2), book, errs, acks.add))
	}

	loadDone := make(chan struct{})
	var expected map[msgKey]bool // written before loadDone is closed
	complete := func(got map[msgKey]int) bool {
		for k := range expected {
			if got[k] == 0 {
				return false
			}
		}
		return true
	}
	var subWG, pubWG sync.WaitGroup
	for _, s := range subs {
		subWG.Go(func() { s.run(ctx, loadDone, complete, quietPeriod) })
	}
	pubsDone := make(chan struct{})
	for _, p := range pubs {
		pubWG.Go(func() { p.run(ctx) })
	}
	go func() { pubWG.Wait(); close(pubsDone) }()
	defer func() {
		cancel()
		<-pubsDone
		subWG.Wait()
	}()

	// Kill at a seeded random moment: once a random number of messages has
	// been acknowledged, after a random delay of up to 20ms.
	var killedAt int64
	select {
	case <-acks.reached:
	case <-pubsDone:
		t.Fatalf("the load finished before the kill point (%d acks)", acks.at)
	case <-ctx.Done():
		t.Fatalf("no kill point within %v: %d of %d acks; errors: %v", roundTimeout, acks.n.Load(), acks.at, errs.list())
	}
	delay := time.NewTimer(time.Duration(rng.IntN(20)) * time.Millisecond)
	<-delay.C
	first.kill(t)
	killedAt = acks.n.Load()
	second := startBroker(t, config)
	book.set(second.addr)

	select {
	case <-pubsDone:
	case <-ctx.Done():
		t.Fatalf("publishers did not finish within %v: %d acks; errors: %v\n%s", roundTimeout, acks.n.Load(), errs.list(), second.log.tail())
	}
	expected = make(map[msgKey]bool)
	for _, p := range pubs {
		for seq, ok := range p.acked {
			if ok {
				expected[msgKey{p.id, seq}] = true
			}
		}
	}
	close(loadDone)
	subWG.Wait()

	// The retained message is back: a new client gets it on subscribe.
	if got, err := fetchRetained(ctx, second.addr); err != nil {
		t.Errorf("retained message after restart: %v", err)
	} else if got != retained {
		t.Errorf("retained message after restart is %q, want %q", got, retained)
	}

	report := verify(t, pubs, subs)
	t.Logf("%s seed %d: SIGKILL after %d of %d acks; restore: %s", backend, seed, killedAt, total, restoreSummary(second.log.restoreLine()))
	for _, r := range report {
		t.Logf("%s seed %d: %s", backend, seed, r)
	}
	for _, e := range errs.list() {
		t.Error(e)
	}
	if t.Failed() {
		t.Logf("broker log after restart:\n%s", second.log.tail())
	}
	second.stop(t)
}

// verify compares what was acknowledged with what every subscriber got
// and returns one summary line per QoS.
func verify(t *testing.T, pubs []*publisher, subs []*subscriber) []string {
	var lines []string
	for _, qos := range []codec.QoS{1, 2} {
		var sent, acked, resent, unknownRel, delivered, dups, lost int
		for _, p := range pubs {
			if p.qos != qos {
				continue
			}
			sent += p.next
			resent += p.resent
			unknownRel += p.unknownRel
			for seq, ok := range p.acked {
				if !ok {
					continue
				}
				acked++
				k := msgKey{p.id, seq}
				for _, s := range subs {
					n := s.got[k]
					delivered += min(n, 1)
					switch {
					case n == 0:
						lost++
						if lost <= 5 {
							t.Errorf("QoS %d: %s lost message %d of pub-%d (acknowledged)", qos, s.clientID(), seq, p.id)
						}
					case n > 1:
						dups += n - 1
						if qos == 2 && dups <= 5 {
							t.Errorf("QoS 2: %s got message %d of pub-%d %d times", s.clientID(), seq, p.id, n)
						}
					}
				}
			}
		}
		if lost > 0 {
			t.Errorf("QoS %d: %d acknowledged deliveries lost", qos, lost)
		}
		if qos == 2 && dups > 0 {
			t.Errorf("QoS 2: %d duplicate deliveries", dups)
		}
		line := fmt.Sprintf("QoS %d: sent %d, acked %d, resent after reconnect %d, delivered %d/%d (x%d subscribers), duplicates %d, lost %d",
			qos, sent, acked, resent, delivered, acked*len(subs), len(subs), dups, lost)
		if qos == 2 {
			line += fmt.Sprintf(", PUBCOMP for unknown id %d", unknownRel)
		}
		lines = append(lines, line)
	}
	reconnects, present := 0, 0
	for _, s := range subs {
		if s.present == 0 {
			t.Errorf("%s: no reconnect with session present", s.clientID())
		}
		reconnects += s.connects - 1
		present += s.present
	}
	return append(lines, fmt.Sprintf("subscribers: %d reconnects, %d with session present", reconnects, present))
}

// restoreSummary shortens the broker's restore log line.
func restoreSummary(line string) string {
	if line == "" {
		return "(no restore line logged)"
	}
	return line
}

// publishRetained publishes a retained QoS 1 message and waits for PUBACK.
func publishRetained(ctx context.Context, addr, payload string) error {
	m, _, err := dialMQTT(ctx, addr, &codec.Connect{ClientID: "retainer", CleanStart: true})
	if err != nil {
		return err
	}
	defer m.disconnect()
	if err := m.send(&codec.Publish{QoS: 1, Retain: true, Topic: retainedTopic, PacketID: 1, Payload: []byte(payload)}); err != nil {
		return err
	}
	select {
	case pk := <-m.in:
		if ack, ok := pk.(*codec.Puback); !ok || ack.ReasonCode.IsError() {
			return fmt.Errorf("retained PUBLISH answered with %#v", pk)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchRetained subscribes with a new session and returns the retained
// payload it is sent.
func fetchRetained(ctx context.Context, addr string) (string, error) {
	m, _, err := dialMQTT(ctx, addr, &codec.Connect{ClientID: "retain-check", CleanStart: true})
	if err != nil {
		return "", err
	}
	defer m.disconnect()
	if err := m.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: retainedTopic, QoS: 1}}}); err != nil {
		return "", err
	}
	for {
		select {
		case pk, ok := <-m.in:
			if !ok {
				return "", fmt.Errorf("connection closed: %w", m.err)
			}
			if pub, isPub := pk.(*codec.Publish); isPub {
				if !pub.Retain {
					return "", fmt.Errorf("message on %s without RETAIN", pub.Topic)
				}
				if pub.QoS > 0 {
					_ = m.send(&codec.Puback{PacketID: pub.PacketID})
				}
				return string(pub.Payload), nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("no retained message: %w", ctx.Err())
		}
	}
}
