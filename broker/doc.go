// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package broker is an embeddable MQTT v5, v3.1.1 and v3.1 server.
//
// Create a server with [New], add hooks ([Server.AddHook]; without an
// authentication hook every client is refused, [AllowAll] is for
// development) and listeners ([Server.AddListener] with [ListenTCP],
// [NewNetListener] for any net.Listener, or the listeners package for
// WebSocket, TLS and Unix sockets), then call [Server.Serve]. [Server.Close]
// shuts down gracefully.
//
//	srv := broker.New(broker.Options{})
//	_ = srv.AddHook(broker.AllowAll{})
//	ln, _ := broker.ListenTCP("tcp", "127.0.0.1:1883")
//	_ = srv.AddListener(ln)
//	_ = srv.Serve()
//	defer srv.Close()
//
// The zero [Options] are safe defaults; every capability is advertised to v5
// clients in CONNACK and enforced for every client, and every limit
// (packet size, inflight, queued messages and bytes, clients,
// subscriptions, topic depth, retained messages) is an option. Persistence
// is [Options.Storage] (see the storage package and the storage-badger and
// storage-redis modules). The server itself can publish and subscribe
// ([Server.Publish], [Server.Subscribe]), inject packets on behalf of a
// client ([Server.InjectPacket]), list the connected clients
// ([Server.Clients]), describe sessions, connected or not, with their
// queued and unacknowledged messages ([Server.Session], [Server.Sessions])
// and their subscriptions ([Server.Subscriptions]), read retained messages
// ([Server.Retained]), disconnect a client with a reason code
// ([Server.DisconnectClient]) and apply a changed ACL to existing
// subscriptions ([Server.RecheckSubscriptions]).
//
// Hooks implement only the event interfaces they need (hooks.go). They run
// in the order added, never with a server lock held, and a panic in one is
// recovered and logged.
//
// Locks and goroutines are described in LOCKORDER.md beside this file: in
// short, no lock is held across network I/O or a hook call; each connection
// has one reader goroutine and, only while it has output queued, one writer.
package broker
