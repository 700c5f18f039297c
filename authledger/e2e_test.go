// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/authledger/scramclient"
	"github.com/wrenmq/wrenmq/broker"
)

// The end-to-end tests run real paho clients (v5 and v3.1.1) over TCP
// against a broker whose only auth and ACL hook is the ledger.

const waitFor = 5 * time.Second

// e2eBroker starts a broker on a loopback port with a ledger hook.
func e2eBroker(t *testing.T) string {
	t.Helper()
	scram, err := authledger.DeriveSCRAM("scram-pw", nil, 0)
	require.NoError(t, err)
	doc := fmt.Sprintf(`
auth:
  - username: alice
    password: '%s'
    allow: true
  - username: obs
    password: '%s'
    allow: true
  - username: eve
    allow: false
  - username: sam
    allow: true
%s
acl:
  - username: alice
    filters:
      a/b: readwrite
      pub/#: write
  - username: obs
    filters:
      '#': read
  - username: sam
    filters:
      sam/#: readwrite
`, hashOf(t, "alice-pw"), hashOf(t, "obs-pw"), scram.YAML(4))
	l, err := authledger.Parse([]byte(doc))
	require.NoError(t, err)

	srv := broker.New(broker.Options{})
	require.NoError(t, srv.AddHook(authledger.New(authledger.Options{Ledger: l})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.AddListener(broker.NewNetListener("t1", ln)))
	require.NoError(t, srv.Serve())
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// --- v5 (paho.golang) ---

type v5Client struct {
	*paho.Client
	msgs chan *paho.Publish
}

func dialV5(t *testing.T, addr string, cp *paho.Connect, auth paho.Auther) (*v5Client, *paho.Connack, error) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c := &v5Client{msgs: make(chan *paho.Publish, 16)}
	c.Client = paho.NewClient(paho.ClientConfig{
		Conn:        nc,
		AuthHandler: auth,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			select {
			case c.msgs <- pr.Packet:
			default:
			}
			return true, nil
		}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	cp.KeepAlive, cp.CleanStart = 30, true
	ca, err := c.Connect(ctx, cp)
	if err != nil {
		if ca == nil {
			<-c.Done()
		}
		return nil, ca, err
	}
	t.Cleanup(func() {
		_ = c.Disconnect(&paho.Disconnect{ReasonCode: 0})
		<-c.Done()
	})
	return c, ca, nil
}

func userConnect(id, user, pass string) *paho.Connect {
	return &paho.Connect{ClientID: id, Username: user, UsernameFlag: true, Password: []byte(pass), PasswordFlag: true}
}

func TestE2EV5ConnectCodes(t *testing.T) {
	addr := e2eBroker(t)
	for _, tc := range []struct {
		name, user, pass string
		want             byte
	}{
		{"wrong password", "alice", "nope", 0x86},
		{"denied user", "eve", "", 0x87},
		{"unknown user", "mallory", "x", 0x87},
		{"scram-only user with a password", "sam", "scram-pw", 0x86},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ca, err := dialV5(t, addr, userConnect("c-"+tc.user, tc.user, tc.pass), nil)
			require.Error(t, err)
			require.NotNil(t, ca)
			assert.Equal(t, tc.want, ca.ReasonCode)
		})
	}
}

func TestE2EV5SubscriptionBypassAttempts(t *testing.T) {
	addr := e2eBroker(t)
	alice, _, err := dialV5(t, addr, userConnect("alice-v5", "alice", "alice-pw"), nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		filter string
		want   byte
	}{
		{"a/b", 0x01},
		{"$share/g/a/b", 0x01},
		// Readable in part: granted, and only a/b is delivered through
		// them (TestE2EV3SubscriptionBypassAndPublish checks deliveries).
		{"#", 0x01},
		{"+/b", 0x01},
		{"a/+", 0x01},
		{"a/#", 0x01},
		// A shared subscription must be readable in full.
		{"$share/g/#", 0x87},
		{"$share/g/+/b", 0x87},
		{"$SYS/#", 0x87},
		{"pub/#", 0x87}, // write-only
	} {
		t.Run(tc.filter, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			sa, _ := alice.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: tc.filter, QoS: 1}}})
			require.NotNil(t, sa)
			assert.Equal(t, []byte{tc.want}, sa.Reasons) // [MQTT-3.9.3-1]
		})
	}
}

func TestE2EV5Publish(t *testing.T) {
	addr := e2eBroker(t)
	obs, _, err := dialV5(t, addr, userConnect("obs-v5", "obs", "obs-pw"), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	sa, err := obs.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "#", QoS: 1}}})
	require.NoError(t, err)
	require.Equal(t, []byte{0x01}, sa.Reasons)

	alice, _, err := dialV5(t, addr, userConnect("alice-v5", "alice", "alice-pw"), nil)
	require.NoError(t, err)
	pr, err := alice.Publish(ctx, &paho.Publish{Topic: "denied/x", QoS: 1, Payload: []byte("no")})
	require.Error(t, err)
	require.NotNil(t, pr)
	assert.Equal(t, byte(0x87), pr.ReasonCode)
	// QoS 0 to a denied topic is dropped silently, then an allowed marker
	// follows on the same connection; the observer must see only the marker.
	_, err = alice.Publish(ctx, &paho.Publish{Topic: "denied/y", QoS: 0, Payload: []byte("no")})
	require.NoError(t, err)
	_, err = alice.Publish(ctx, &paho.Publish{Topic: "pub/marker", QoS: 1, Payload: []byte("yes")})
	require.NoError(t, err)
	select {
	case m := <-obs.msgs:
		assert.Equal(t, "pub/marker", m.Topic)
	case <-ctx.Done():
		t.Fatal("observer got no message")
	}
}

// scramAuther drives paho.golang's AUTH exchange with the test SCRAM client.
type scramAuther struct {
	t      *testing.T
	c      *scramclient.Client
	failed error
}

func (a *scramAuther) Authenticate(in *paho.Auth) *paho.Auth {
	final, err := a.c.Final(in.Properties.AuthData)
	if err != nil {
		a.failed = err
	}
	return &paho.Auth{ReasonCode: 0x18, Properties: &paho.AuthProperties{AuthMethod: authledger.SCRAMMethod, AuthData: final}}
}

func (a *scramAuther) Authenticated() {}

func TestE2EV5SCRAM(t *testing.T) {
	addr := e2eBroker(t)
	for _, tc := range []struct {
		name, user, pass string
		want             byte
	}{
		{"right password", "sam", "scram-pw", 0x00},
		{"wrong password", "sam", "wrong", 0x86},
		{"user without scram credentials", "alice", "alice-pw", 0x86},
		{"unknown user", "mallory", "x", 0x87},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := scramclient.New(tc.user, tc.pass)
			auther := &scramAuther{t: t, c: sc}
			cp := &paho.Connect{ClientID: "scram-" + tc.user, Properties: &paho.ConnectProperties{
				AuthMethod: authledger.SCRAMMethod, AuthData: sc.First(),
			}}
			c, ca, err := dialV5(t, addr, cp, auther)
			require.NoError(t, auther.failed)
			require.NotNil(t, ca)
			require.Equal(t, tc.want, ca.ReasonCode, "connect error %v", err)
			if tc.want != 0 {
				return
			}
			require.NoError(t, err)
			require.NotNil(t, ca.Properties)
			assert.NoError(t, sc.Verify(ca.Properties.AuthData), "server-final in CONNACK")
			// The SCRAM identity is the user name the ACL sees.
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			sa, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "sam/#", QoS: 0}}})
			require.NoError(t, err)
			assert.Equal(t, []byte{0x00}, sa.Reasons)
			sa, _ = c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "other/#", QoS: 0}}})
			require.NotNil(t, sa)
			assert.Equal(t, []byte{0x87}, sa.Reasons)
		})
	}
}

// --- v3.1.1 (paho.mqtt.golang) ---

func dialV3(t *testing.T, addr, id, user, pass string, onMsg mqtt.MessageHandler) (mqtt.Client, byte, error) {
	t.Helper()
	opts := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetUsername(user).SetPassword(pass).SetProtocolVersion(4).
		SetAutoReconnect(false).SetConnectRetry(false).SetCleanSession(true).
		SetConnectTimeout(waitFor).SetWriteTimeout(waitFor)
	if onMsg != nil {
		opts.SetDefaultPublishHandler(onMsg)
	}
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(waitFor), "connect timed out")
	code := tok.(*mqtt.ConnectToken).ReturnCode()
	if err := tok.Error(); err != nil {
		return nil, code, err
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c, code, nil
}

func TestE2EV3ConnectCodes(t *testing.T) {
	addr := e2eBroker(t)
	for _, tc := range []struct {
		name, user, pass string
		want             byte
	}{
		{"wrong password", "alice", "nope", 4},
		{"denied user", "eve", "x", 5},
		{"unknown user", "mallory", "x", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, code, err := dialV3(t, addr, "v3-"+tc.user, tc.user, tc.pass, nil)
			require.Error(t, err)
			assert.Equal(t, tc.want, code)
		})
	}
}

func TestE2EV3SubscriptionBypassAndPublish(t *testing.T) {
	addr := e2eBroker(t)
	got := make(chan string, 16)
	obs, _, err := dialV3(t, addr, "obs-v3b", "obs", "obs-pw", func(_ mqtt.Client, m mqtt.Message) { got <- m.Topic() })
	require.NoError(t, err)
	tok := obs.Subscribe("#", 1, nil)
	require.True(t, tok.WaitTimeout(waitFor))
	require.NoError(t, tok.Error())

	aliceGot := make(chan string, 16)
	alice, _, err := dialV3(t, addr, "alice-v3", "alice", "alice-pw", func(_ mqtt.Client, m mqtt.Message) { aliceGot <- m.Topic() })
	require.NoError(t, err)
	for _, tc := range []struct {
		filter string
		want   byte
	}{
		{"a/b", 0x01}, {"$share/g/a/b", 0x01},
		// Readable in part (only a/b): granted, deliveries checked below.
		{"#", 0x01}, {"+/b", 0x01}, {"a/+", 0x01},
		{"$share/g/#", 0x80}, {"$SYS/#", 0x80},
	} {
		tok := alice.Subscribe(tc.filter, 1, nil)
		require.True(t, tok.WaitTimeout(waitFor), tc.filter)
		key := tc.filter // paho.mqtt.golang keys results of shared filters without "$share/group/"
		if rest, ok := strings.CutPrefix(key, "$share/g/"); ok {
			key = rest
		}
		res := tok.(*mqtt.SubscribeToken).Result()
		require.Contains(t, res, key)
		assert.Equal(t, tc.want, res[key], "SUBACK for %q", tc.filter) // [MQTT-3.9.3-2]
	}
	// A v3.1.1 PUBACK carries no reason: a denied QoS 1 message is
	// acknowledged and dropped, like a denied QoS 0 one.
	for _, qos := range []byte{1, 0} {
		tok := alice.Publish("denied/x", qos, false, "no")
		require.True(t, tok.WaitTimeout(waitFor))
	}
	tok = alice.Publish("pub/marker", 1, false, "yes")
	require.True(t, tok.WaitTimeout(waitFor))
	require.NoError(t, tok.Error())
	select {
	case topic := <-got:
		assert.Equal(t, "pub/marker", topic)
	case <-time.After(waitFor):
		t.Fatal("observer got no message")
	}

	// No bypass through the partly readable subscriptions: alice may write
	// pub/x but not read it, so "#" does not deliver it to her; a/b, sent
	// after it, arrives (through her own subscriptions and the shared one).
	for _, topic := range []string{"pub/x", "a/b"} {
		tok = alice.Publish(topic, 1, false, "m")
		require.True(t, tok.WaitTimeout(waitFor))
		require.NoError(t, tok.Error())
	}
	for range 2 {
		select {
		case topic := <-aliceGot:
			assert.Equal(t, "a/b", topic, "pub/x must not reach alice")
		case <-time.After(waitFor):
			t.Fatal("alice got no message")
		}
	}
}
