// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// denyPublish allows connections and subscriptions but no publishes.
type denyPublish struct{}

func (denyPublish) ID() string { return "deny-publish" }
func (denyPublish) OnConnectAuthenticate(*broker.ClientInfo, *codec.Connect) codec.ReasonCode {
	return codec.Success
}
func (denyPublish) OnACLCheck(_ *broker.ClientInfo, _ string, a broker.Access) bool {
	return a == broker.AccessRead
}

func TestCompatSwitches(t *testing.T) {
	tests := []struct {
		name       string
		compat     broker.Compat
		requestRI  bool
		wantPuback codec.ReasonCode
		wantRI     bool
	}{
		{name: "defaults", wantPuback: codec.NotAuthorized},
		{name: "requested response info", requestRI: true, wantPuback: codec.NotAuthorized, wantRI: true},
		{name: "obscure not authorized", compat: broker.Compat{ObscureNotAuthorized: true}, wantPuback: codec.UnspecifiedError},
		{name: "always return response info", compat: broker.Compat{AlwaysReturnResponseInfo: true}, wantPuback: codec.NotAuthorized, wantRI: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := broker.New(broker.Options{SysInterval: -1, Compat: tt.compat, ResponseInfo: "resp/"})
			require.NoError(t, srv.AddHook(denyPublish{}))
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			require.NoError(t, srv.AddListener(broker.NewNetListener("t", ln)))
			require.NoError(t, srv.Serve())
			defer srv.Close()
			cp := &codec.Connect{ProtocolVersion: codec.V5, ClientID: "c", CleanStart: true}
			if tt.requestRI {
				cp.Properties.RequestResponseInfo = codec.Ptr(byte(1))
			}
			c, ack := dialPersist(t, ln.Addr().String(), cp)
			defer c.nc.Close()
			if tt.wantRI {
				require.NotNil(t, ack.Properties.ResponseInfo)
				require.Equal(t, "resp/", *ack.Properties.ResponseInfo)
			} else {
				require.Nil(t, ack.Properties.ResponseInfo) // [MQTT-3.1.2-28]
			}
			c.send(&codec.Publish{Topic: "t", QoS: 1, PacketID: 3})
			pa, ok := c.read().(*codec.Puback)
			require.True(t, ok)
			require.Equal(t, tt.wantPuback, pa.ReasonCode)
		})
	}
}
