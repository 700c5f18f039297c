// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/codec"
)

// TestCrashAsyncBadgerAfterFlush checks storage mode async across SIGKILL:
// once the broker reports no write pending (wrenmq_storage_queued_operations
// 0 on /metrics), everything acknowledged before is on disk. Messages
// queued for an offline persistent session survive a kill in order, with
// the session, its subscription and a retained message; the
// subscriber's acknowledgements, once flushed, survive the next kill, so
// nothing is sent twice. (What async mode may lose, writes made in the
// last flush interval before a crash, is documented, not tested.)
func TestCrashAsyncBadgerAfterFlush(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*roundTimeout)
	defer cancel()
	config := writeConfig(t, fmt.Sprintf("http:\n  addr: 127.0.0.1:0\nstorage:\n  backend: badger\n  mode: async\n  badger:\n    dir: %s\n",
		filepath.Join(t.TempDir(), "badger")))
	const n = 200
	b := startBroker(t, config)

	sub, _, err := dialMQTT(ctx, b.addr, &codec.Connect{ClientID: "async-sub", CleanStart: true,
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](3600)}})
	require.NoError(t, err)
	require.NoError(t, sub.send(&codec.Subscribe{PacketID: 1, Subscriptions: []codec.Subscription{{Filter: "async/#", QoS: 1}}}))
	require.IsType(t, &codec.Suback{}, next(ctx, t, sub))
	sub.disconnect()

	require.NoError(t, publishRetained(ctx, b.addr, "retained in async mode"))
	pub, _, err := dialMQTT(ctx, b.addr, &codec.Connect{ClientID: "async-pub", CleanStart: true})
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, pub.send(&codec.Publish{Topic: "async/x", QoS: 1, PacketID: uint16(i + 1), Payload: []byte(strconv.Itoa(i))}))
		ack, ok := (next(ctx, t, pub)).(*codec.Puback)
		require.True(t, ok && !ack.ReasonCode.IsError(), "PUBACK %d: %+v", i, ack)
	}
	pub.disconnect()
	waitFlushed(ctx, t, b)
	b.kill(t)

	b = startBroker(t, config)
	sub, ack, err := dialMQTT(ctx, b.addr, &codec.Connect{ClientID: "async-sub",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](3600)}})
	require.NoError(t, err)
	require.True(t, ack.SessionPresent, "the session survived the kill")
	for i := range n {
		p, ok := (next(ctx, t, sub)).(*codec.Publish)
		require.True(t, ok, "message %d of %d", i, n)
		require.Equal(t, strconv.Itoa(i), string(p.Payload), "queued messages come back in order")
		require.NoError(t, sub.send(&codec.Puback{PacketID: p.PacketID}))
	}
	require.NoError(t, sub.send(&codec.Pingreq{}))
	require.IsType(t, &codec.Pingresp{}, next(ctx, t, sub), "nothing more than the queued messages; the PUBACKs before were handled")
	sub.close()
	got, err := fetchRetained(ctx, b.addr)
	require.NoError(t, err)
	require.Equal(t, "retained in async mode", got)
	waitFlushed(ctx, t, b)
	b.kill(t)

	b = startBroker(t, config)
	sub, ack, err = dialMQTT(ctx, b.addr, &codec.Connect{ClientID: "async-sub",
		Properties: codec.Properties{SessionExpiry: codec.Ptr[uint32](3600)}})
	require.NoError(t, err)
	require.True(t, ack.SessionPresent)
	require.NoError(t, sub.send(&codec.Pingreq{}))
	require.IsType(t, &codec.Pingresp{}, next(ctx, t, sub), "acknowledged messages are not sent again")
	sub.disconnect()
	b.stop(t)
}

// next returns the next packet m receives, failing t when none comes
// within ioTimeout or the connection closes.
func next(ctx context.Context, t *testing.T, m *mqttConn) codec.Packet {
	t.Helper()
	select {
	case p, ok := <-m.in:
		require.True(t, ok, "connection closed: %v", m.err)
		return p
	case <-time.After(ioTimeout):
		t.Fatalf("no packet within %v", ioTimeout)
	case <-ctx.Done():
		t.Fatalf("no packet: %v", ctx.Err())
	}
	return nil
}

// waitFlushed polls the broker's /metrics until no storage write is
// pending.
func waitFlushed(ctx context.Context, t *testing.T, b *brokerProc) {
	t.Helper()
	addr := b.log.http()
	require.NotEmpty(t, addr, "the broker logged no HTTP endpoint")
	for {
		if v, err := metricValue(ctx, "http://"+addr+"/metrics", "wrenmq_storage_queued_operations"); err == nil && v == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("storage writes still pending: %v\n%s", ctx.Err(), b.log.tail())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// metricValue reads one unlabelled sample from a Prometheus text page.
func metricValue(ctx context.Context, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s: no sample of %s", url, name)
}
