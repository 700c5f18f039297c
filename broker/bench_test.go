// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// benchConn is a bare connection for benchmarks: encoded packets are
// written directly and a reader goroutine may consume the socket.
func benchConn(b *testing.B, addr string, id string, subs ...codec.Subscription) net.Conn {
	b.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	b.Cleanup(func() { _ = nc.Close() })
	pk, err := codec.Append(nil, &codec.Connect{ProtocolVersion: codec.V311, ClientID: id, CleanStart: true}, codec.V311)
	require.NoError(b, err)
	if len(subs) > 0 {
		pk, err = codec.Append(pk, &codec.Subscribe{PacketID: 1, Subscriptions: subs}, codec.V311)
		require.NoError(b, err)
	}
	_, err = nc.Write(pk)
	require.NoError(b, err)
	r := codec.NewReader(nc, 0)
	_ = nc.SetReadDeadline(time.Now().Add(waitFor))
	p, err := r.ReadPacket(codec.V311)
	require.NoError(b, err)
	require.Equal(b, codec.Success, p.(*codec.Connack).ReasonCode)
	if len(subs) > 0 {
		p, err = r.ReadPacket(codec.V311)
		require.NoError(b, err)
		require.IsType(b, &codec.Suback{}, p)
	}
	_ = nc.SetReadDeadline(time.Time{})
	return nc
}

// counter reads PUBLISH packets from nc, acknowledging QoS 1, and adds
// each to n; it returns when the connection closes.
func counter(nc net.Conn, n *atomic.Int64, errs chan<- error) {
	r := codec.NewReader(bufio.NewReaderSize(nc, 64<<10), 0)
	w := bufio.NewWriterSize(nc, 4<<10)
	var ack []byte
	for {
		pk, err := r.ReadPacket(codec.V311)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				select {
				case errs <- err:
				default:
				}
			}
			return
		}
		if p, ok := pk.(*codec.Publish); ok {
			if p.QoS == 1 {
				ack = (&codec.Puback{PacketID: p.PacketID}).AppendTo(ack[:0], codec.V311)
				_, _ = w.Write(ack)
				_ = w.Flush()
			}
			n.Add(1)
		}
	}
}

// waitCount waits until n reaches want.
func waitCount(b *testing.B, n *atomic.Int64, want int64, errs <-chan error) {
	deadline := time.Now().Add(time.Minute)
	for n.Load() < want {
		select {
		case err := <-errs:
			b.Fatalf("subscriber: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d messages", n.Load(), want)
		}
		runtime.Gosched()
	}
}

// BenchmarkFanIn: 16 publishers send QoS 0 messages to one subscriber.
func BenchmarkFanIn(b *testing.B) {
	ts := startServer(b, broker.Options{Limits: broker.Limits{MaxOutboundBytes: 64 << 20}})
	var got atomic.Int64
	errs := make(chan error, 1)
	sub := benchConn(b, ts.addr, "sink", codec.Subscription{Filter: "in/+"})
	go counter(sub, &got, errs)
	const pubs = 16
	conns := make([]net.Conn, pubs)
	for i := range conns {
		conns[i] = benchConn(b, ts.addr, fmt.Sprint("src", i))
	}
	msg, _ := codec.Append(nil, &codec.Publish{Topic: "in/x", Payload: make([]byte, 64)}, codec.V311)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, nc := range conns {
		n := b.N / pubs
		if i < b.N%pubs {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := bufio.NewWriterSize(nc, 32<<10)
			for range n {
				if _, err := w.Write(msg); err != nil {
					errs <- err
					return
				}
			}
			if err := w.Flush(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	waitCount(b, &got, int64(b.N), errs)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFanOut: one publisher, 1,000 subscribers; each operation is
// one message delivered to all of them.
func BenchmarkFanOut(b *testing.B) {
	for _, qos := range []codec.QoS{0, 1} {
		b.Run(fmt.Sprintf("QoS%d", qos), func(b *testing.B) {
			ts := startServer(b, broker.Options{Limits: broker.Limits{MaxOutboundBytes: 16 << 20}})
			const subs = 1000
			var got atomic.Int64
			errs := make(chan error, 1)
			for i := range subs {
				nc := benchConn(b, ts.addr, fmt.Sprint("fan", i), codec.Subscription{Filter: "fan/+", QoS: qos})
				go counter(nc, &got, errs)
			}
			pub := benchConn(b, ts.addr, "fan-pub")
			go func() { _, _ = io.Copy(io.Discard, pub) }()
			msg, _ := codec.Append(nil, &codec.Publish{Topic: "fan/x", QoS: qos, PacketID: 1, Payload: make([]byte, 64)}, codec.V311)
			if qos == 0 {
				msg, _ = codec.Append(nil, &codec.Publish{Topic: "fan/x", Payload: make([]byte, 64)}, codec.V311)
			}
			b.ReportAllocs()
			b.ResetTimer()
			// Publish in windows of 10 so that QoS 0 never overflows a
			// subscriber's queue: the figure is delivery cost, not drops.
			w := bufio.NewWriter(pub)
			for i := 0; i < b.N; i += 10 {
				n := min(10, b.N-i)
				for range n {
					_, _ = w.Write(msg)
				}
				require.NoError(b, w.Flush())
				waitCount(b, &got, int64(i+n)*subs, errs)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)*subs/b.Elapsed().Seconds(), "deliveries/s")
			require.Zero(b, ts.Info().MessagesDropped)
		})
	}
}

// BenchmarkRouting: Server.Publish on an index of 100,000 subscriptions
// held by 10 clients (exact and wildcard filters); each message matches a
// handful of them. Subscribers discard what they receive.
func BenchmarkRouting(b *testing.B) {
	ts := startServer(b, broker.Options{})
	const clients, perClient, perPacket = 10, 10000, 1000
	for c := range clients {
		nc := benchConn(b, ts.addr, fmt.Sprint("idx", c))
		r := codec.NewReader(nc, 0)
		for p := 0; p < perClient/perPacket; p++ {
			subs := make([]codec.Subscription, perPacket)
			for i := range subs {
				k := c*perClient + p*perPacket + i
				switch k % 10 {
				case 0:
					subs[i].Filter = fmt.Sprintf("site/%d/+/temp%d", k%1000, k)
				case 1:
					subs[i].Filter = fmt.Sprintf("site/%d/dev%d/#", k%1000, k)
				default:
					subs[i].Filter = fmt.Sprintf("site/%d/dev%d/temp", k%1000, k)
				}
			}
			pk, err := codec.Append(nil, &codec.Subscribe{PacketID: uint16(p + 1), Subscriptions: subs}, codec.V311)
			require.NoError(b, err)
			_, err = nc.Write(pk)
			require.NoError(b, err)
			_ = nc.SetReadDeadline(time.Now().Add(waitFor))
			_, err = r.ReadPacket(codec.V311)
			require.NoError(b, err)
		}
		_ = nc.SetReadDeadline(time.Time{})
		go func() { _, _ = io.Copy(io.Discard, nc) }()
	}
	require.Equal(b, int64(clients*perClient), ts.Info().Subscriptions)
	payload := make([]byte, 64)
	topics := make([]string, 1024)
	for i := range topics {
		k := (i * 7919) % (clients * perClient)
		topics[i] = fmt.Sprintf("site/%d/dev%d/temp", k%1000, k)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := ts.Publish(topics[i%len(topics)], payload, false, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSharedGroup: Server.Publish to a shared subscription group of
// 500 connected members; each message goes to one of them.
func BenchmarkSharedGroup(b *testing.B) {
	const members = 500
	if !raiseNoFile(2*members + 200) {
		b.Skip("RLIMIT_NOFILE cannot be raised for the shared-group benchmark")
	}
	ts := startServer(b, broker.Options{})
	for i := range members {
		nc := benchConn(b, ts.addr, fmt.Sprint("member", i), codec.Subscription{Filter: "$share/workers/jobs"})
		go func() { _, _ = io.Copy(io.Discard, nc) }()
	}
	payload := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := ts.Publish("jobs", payload, false, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// raiseNoFile raises the soft RLIMIT_NOFILE to at least n (up to the hard
// limit) and reports whether n descriptors are available.
func raiseNoFile(n uint64) bool {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return false
	}
	if rl.Cur < n {
		rl.Cur = min(n, rl.Max)
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	return rl.Cur >= n
}

const idleConns = 10000

// BenchmarkIdleConnections opens 10,000 idle MQTT connections and reports
// the broker's heap and stack bytes per connection (target ≤ 8 KiB). The
// clients run in a child process (this test binary running
// TestIdleClientsHelper) so that only broker memory is measured. It runs
// once whatever b.N is.
func BenchmarkIdleConnections(b *testing.B) {
	if !raiseNoFile(idleConns + 200) {
		b.Skipf("RLIMIT_NOFILE cannot be raised to %d: idle-connection benchmark skipped", idleConns+200)
	}
	ts := startServer(b, broker.Options{Limits: broker.Limits{MaxConnections: idleConns + 100}})
	measure := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse + ms.StackInuse
	}
	before := measure()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientsHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WRENMQ_IDLE_ADDR="+ts.addr, "WRENMQ_IDLE_N="+strconv.Itoa(idleConns))
	stdin, err := cmd.StdinPipe()
	require.NoError(b, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	cmd.Stderr = os.Stderr
	require.NoError(b, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = stdin.Close()
		_ = cmd.Wait()
		b.Fatalf("idle client helper: %q %v", line, err)
	}
	connected := ts.Info().ClientsConnected
	after := measure()
	_ = stdin.Close()
	_, _ = io.Copy(io.Discard, stdout)
	require.NoError(b, cmd.Wait())
	require.Equal(b, int64(idleConns), connected)
	per := float64(int64(after)-int64(before)) / idleConns
	b.ReportMetric(per, "bytes/conn")
	if per > 8<<10 {
		b.Errorf("%.0f bytes per idle connection exceeds the 8 KiB target", per)
	}
}

// TestIdleClientsHelper is the client side of BenchmarkIdleConnections,
// run in a child process; it is skipped otherwise. It connects N clients,
// prints "ready", and holds them until stdin closes.
func TestIdleClientsHelper(t *testing.T) {
	addr := os.Getenv("WRENMQ_IDLE_ADDR")
	if addr == "" {
		t.Skip("helper process for BenchmarkIdleConnections")
	}
	n, _ := strconv.Atoi(os.Getenv("WRENMQ_IDLE_N"))
	if !raiseNoFile(uint64(n) + 200) {
		t.Fatalf("RLIMIT_NOFILE cannot be raised to %d", n+200)
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	var ack [4]byte
	for i := range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, nc)
		pk, _ := codec.Append(nil, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "idle" + strconv.Itoa(i), CleanStart: true}, codec.V311)
		if _, err := nc.Write(pk); err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(waitFor))
		if _, err := io.ReadFull(nc, ack[:]); err != nil || ack[3] != 0 {
			t.Fatalf("CONNACK %d: % x %v", i, ack, err)
		}
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// BenchmarkConnect opens connections (TCP connect, CONNECT, CONNACK) from
// 8 goroutines and keeps them open, like the loadtest idle scenario; the
// client side runs in this process too, so compare runs, not absolutes.
// Connections are closed, off the clock, every 2,000.
func BenchmarkConnect(b *testing.B) {
	if !raiseNoFile(2*2000 + 200) {
		b.Skip("RLIMIT_NOFILE cannot be raised for the connect benchmark")
	}
	ts := startServer(b, broker.Options{})
	const batch, dialers = 2000, 8
	var next atomic.Int64
	conns := make([]net.Conn, 0, batch)
	var mu sync.Mutex
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		next.Store(0)
		var wg sync.WaitGroup
		for range dialers {
			wg.Go(func() {
				var ack [4]byte
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					nc, err := net.Dial("tcp", ts.addr)
					if err != nil {
						b.Error(err)
						return
					}
					pk, _ := codec.Append(nil, &codec.Connect{ProtocolVersion: codec.V311, ClientID: "c" + strconv.Itoa(done+int(i)), CleanStart: true}, codec.V311)
					if _, err := nc.Write(pk); err != nil {
						b.Error(err)
						return
					}
					if _, err := io.ReadFull(nc, ack[:]); err != nil || ack[3] != 0 {
						b.Errorf("CONNACK: % x %v", ack, err)
						return
					}
					mu.Lock()
					conns = append(conns, nc)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		done += n
		b.StopTimer()
		for _, nc := range conns {
			_ = nc.Close()
		}
		conns = conns[:0]
		eventually(b, func() bool { return ts.Info().ClientsConnected == 0 }, "connections closed")
		b.StartTimer()
	}
}
