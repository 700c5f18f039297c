// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package conformance

import (
	"os"
	"os/exec"
	"testing"

	"github.com/wrenmq/wrenmq/storage-redis/redistest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// paho.mqtt.golang's network goroutines finish shortly after
		// Disconnect returns.
		goleak.IgnoreTopFunction("github.com/eclipse/paho.mqtt.golang.startIncomingComms.func1"),
		goleak.IgnoreTopFunction("github.com/eclipse/paho.mqtt.golang.startOutgoingComms.func1"),
		goleak.IgnoreTopFunction("github.com/eclipse/paho.mqtt.golang.startComms.func1"),
		goleak.IgnoreTopFunction("github.com/eclipse/paho.mqtt.golang.(*client).startCommsWorkers.func1"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// scenario is one conformance scenario; it runs once per target.
type scenario struct {
	name string
	run  func(t *testing.T, tg *Target)
}

// scenarios lists every scenario; the files named after their subject
// hold them.
var scenarios = []scenario{
	// connect_test.go
	{"basic", scenarioBasic},
	{"zero-length-client-id", scenarioZeroLengthClientID},
	{"client-id-characters", scenarioClientIDCharacters},
	{"second-connect", scenarioSecondConnect},
	{"first-packet-not-connect", scenarioFirstPacketNotConnect},
	{"protocol-name-and-level", scenarioProtocolNameAndLevel},
	{"malformed-connect", scenarioMalformedConnect},
	{"clean-start-session-present", scenarioCleanStartSessionPresent},
	{"session-expiry", scenarioSessionExpiry},
	{"takeover", scenarioTakeover},
	{"keep-alive", scenarioKeepAlive},
	{"server-keep-alive", scenarioServerKeepAlive},
	// will_test.go
	{"will-message", scenarioWill},
	{"will-delay", scenarioWillDelay},
	// publish_test.go
	{"qos-flows-raw", scenarioQoSFlowsRaw},
	{"qos-matrix", scenarioQoSMatrix},
	{"ordered-topic", scenarioOrderedTopic},
	{"packet-ids-unique", scenarioPacketIDs},
	{"overlapping-subscriptions", scenarioOverlapping},
	{"wildcards", scenarioWildcards},
	{"dollar-topics", scenarioDollarTopics},
	{"no-normalisation", scenarioNoNormalisation},
	{"subscribe-unsubscribe", scenarioSubscribeUnsubscribe},
	{"subscribe-failure", scenarioSubscribeFailure},
	// retain_test.go
	{"retained-messages", scenarioRetained},
	{"retain-handling", scenarioRetainHandling},
	{"retain-as-published", scenarioRetainAsPublished},
	// v5features_test.go
	{"shared-subscriptions", scenarioShared},
	{"subscription-identifiers", scenarioSubscriptionIDs},
	{"no-local", scenarioNoLocal},
	{"topic-alias-client", scenarioTopicAliasClient},
	{"topic-alias-server", scenarioTopicAliasServer},
	{"receive-maximum", scenarioReceiveMaximum},
	{"maximum-packet-size", scenarioMaximumPacketSize},
	{"message-expiry", scenarioMessageExpiry},
	{"request-response", scenarioRequestResponse},
	{"user-properties-order", scenarioUserProperties},
	{"request-problem-information", scenarioRequestProblemInfo},
	{"maximum-qos", scenarioMaximumQoS},
	{"retain-unavailable", scenarioRetainUnavailable},
	// auth_test.go
	{"enhanced-auth-scram", scenarioEnhancedAuth},
	{"bad-auth-method", scenarioBadAuthMethod},
	{"connect-refused", scenarioConnectRefused},
	// disconnect_test.go
	{"server-disconnect-reasons", scenarioServerDisconnects},
	{"malformed-packets", scenarioMalformed},
	// session_test.go
	{"offline-queueing", scenarioOfflineQueueing},
	{"redelivery-on-reconnect", scenarioRedelivery},
	{"v3-v5-interop", scenarioInterop},
	{"v3-session", scenarioV3Session},
}

// TestConformance runs every scenario against every target:
// TestConformance/<storage>+<auth>/<scenario>.
func TestConformance(t *testing.T) {
	tgs := targets()
	for _, tg := range tgs {
		if tg.storage.name == "redis" {
			startRedis(t) // stops when every target has finished
			break
		}
	}
	for _, tg := range tgs {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			for _, s := range scenarios {
				t.Run(s.name, func(t *testing.T) {
					t.Parallel()
					s.run(t, tg)
				})
			}
		})
	}
}

// startRedis starts the Redis server the redis targets share for the
// duration of t. Without a redis-server (and outside CI, where that is a
// failure) the redis targets skip with a message; the others still run.
func startRedis(t *testing.T) {
	if os.Getenv("REDIS_ADDR") == "" && os.Getenv("CI") != "true" && os.Getenv("WRENMQ_REQUIRE_REDIS") == "" {
		if _, err := exec.LookPath("redis-server"); err != nil {
			t.Log("no redis-server on PATH: the redis targets skip (scripts/install-deps.sh installs it)")
			return
		}
	}
	addr := redistest.Start(t)
	redisServer.Lock()
	redisServer.addr = addr
	redisServer.Unlock()
	t.Cleanup(func() {
		redisServer.Lock()
		redisServer.addr = ""
		redisServer.Unlock()
	})
}
