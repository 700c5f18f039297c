// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package main_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// debianNodePath is where Debian's node-* packages (node-mqtt) live.
const debianNodePath = "/usr/share/nodejs"

// mqttJS returns node and a NODE_PATH under which require('mqtt') works,
// or skips (fails under CI=true) when either is missing.
func mqttJS(t *testing.T) (node, nodePath string) {
	t.Helper()
	nodePath = os.Getenv("NODE_PATH")
	if nodePath == "" {
		nodePath = debianNodePath
	}
	node, err := exec.LookPath("node")
	if err == nil {
		check := exec.Command(node, "-e", "require('mqtt')")
		check.Env = append(os.Environ(), "NODE_PATH="+nodePath)
		err = check.Run()
	}
	if err != nil {
		msg := "MQTT.js is not installed (" + err.Error() + "); run scripts/install-deps.sh (installs Debian's node-mqtt)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node, nodePath
}

// MQTT.js, the most used JavaScript client, against the binary with its
// default listeners (port 0): v5, v3.1.1 and v3.1 over TCP, v5 and v3.1.1
// over WebSocket with and without the /mqtt path, QoS 0/1/2 with v5
// properties, retained, shared subscriptions, topic aliases both ways, a
// persistent session and a will (testdata/mqttjs_interop.js).
func TestMQTTjsInterop(t *testing.T) {
	node, nodePath := mqttJS(t)
	p := startWrenmq(t, "-tcp", "127.0.0.1:0", "-ws", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--no-deprecation", "testdata/mqttjs_interop.js", p.addr(t, "tcp"), p.addr(t, "ws"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "MQTT.js run failed:\n%s\nbroker log:\n%s", out, p.log())
	require.Equal(t, 6, strings.Count(string(out), "ok "), "every flow reports ok:\n%s", out)
}
