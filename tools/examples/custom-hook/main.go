// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Command custom-hook writes a hook: it authenticates clients against a
// fixed user table, lets each user publish only below "users/<name>/",
// and logs every session. A hook implements only the interfaces it needs.
//
//	go run ./examples/custom-hook
//	mosquitto_pub -u alice -P wonderland -t users/alice/hello -m hi
package main

import (
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/codec"
)

// userHook authenticates and authorises clients from a map.
type userHook struct {
	users map[string]string // user name -> password (use bcrypt in real code)
	log   *slog.Logger
}

var (
	_ broker.ConnectAuthenticator     = (*userHook)(nil)
	_ broker.ACLChecker               = (*userHook)(nil)
	_ broker.OnSessionEstablishedHook = (*userHook)(nil)
	_ broker.OnPublishHook            = (*userHook)(nil)
)

func (h *userHook) ID() string { return "user-table" }

// OnConnectAuthenticate checks the user name and password of CONNECT.
func (h *userHook) OnConnectAuthenticate(_ *broker.ClientInfo, pk *codec.Connect) codec.ReasonCode {
	if pk.Username == nil {
		return codec.NotAuthorized
	}
	if want, ok := h.users[*pk.Username]; !ok || want != string(pk.Password) {
		return codec.BadUsernameOrPassword
	}
	return codec.Success
}

// OnACLCheck lets users read everything and write below their own prefix.
func (h *userHook) OnACLCheck(cl *broker.ClientInfo, topic string, access broker.Access) bool {
	if access == broker.AccessRead {
		return true
	}
	return strings.HasPrefix(topic, "users/"+cl.Username+"/")
}

// OnSessionEstablished logs every accepted client.
func (h *userHook) OnSessionEstablished(cl *broker.ClientInfo, _ *codec.Connect, present bool) {
	h.log.Info("session", "client", cl.ID, "user", cl.Username, "remote", cl.Remote, "resumed", present)
}

// OnPublish refuses empty payloads; QoS 1/2 publishers get 0x99.
func (h *userHook) OnPublish(_ *broker.ClientInfo, pk *codec.Publish) error {
	if len(pk.Payload) == 0 {
		return &codec.Error{Packet: codec.PUBLISH, Code: codec.PayloadFormatInvalid, Err: errors.New("empty payload")}
	}
	return nil
}

func main() {
	srv := broker.New(broker.Options{})
	if err := srv.AddHook(&userHook{users: map[string]string{"alice": "wonderland"}, log: slog.Default()}); err != nil {
		slog.Error("add hook", "err", err)
		os.Exit(1)
	}
	l, err := broker.ListenTCP("tcp", "127.0.0.1:1883")
	if err != nil {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	_ = srv.AddListener(l)
	if err := srv.Serve(); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	_ = srv.Close()
}
