// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package scramclient is the client side of SCRAM-SHA-256 (RFC 5802, RFC
// 7677) for MQTT v5 enhanced authentication: the Authentication Data a
// client puts in CONNECT and AUTH packets when it authenticates against a
// wrenmq ledger with the method "SCRAM-SHA-256". It is written from the
// RFCs, independently of the ledger's server side, and has no
// channel binding and no SASLprep.
package scramclient

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MinIterations is the smallest iteration count a client accepts from a
// server (RFC 7677 recommends at least 4096).
const MinIterations = 4096

// Client is one SCRAM-SHA-256 exchange. Use it once: First, then Final
// with the server's first message, then Verify with the server's final
// message.
type Client struct {
	user, password string
	nonce          string
	firstBare      string
	serverSig      []byte
}

// New starts an exchange for user with password and a random nonce.
func New(user, password string) *Client {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return &Client{user: user, password: password, nonce: base64.RawStdEncoding.EncodeToString(b)}
}

// First returns the client-first message (the CONNECT's Authentication
// Data).
func (c *Client) First() []byte {
	name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
	c.firstBare = "n=" + name + ",r=" + c.nonce
	return []byte("n,," + c.firstBare)
}

// Final returns the client-final message (the AUTH packet's Authentication
// Data) for the server-first message, or an error when the server's nonce,
// salt or iteration count is unacceptable.
func (c *Client) Final(serverFirst []byte) ([]byte, error) {
	var nonce, salt string
	iter := 0
	for _, a := range strings.Split(string(serverFirst), ",") {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "r":
			nonce = v
		case "s":
			salt = v
		case "i":
			iter, _ = strconv.Atoi(v)
		}
	}
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return nil, errors.New("scram: the server nonce does not extend the client's")
	}
	s, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || iter < MinIterations {
		return nil, fmt.Errorf("scram: unacceptable salt or iteration count %d", iter)
	}
	salted, err := pbkdf2.Key(sha256.New, c.password, s, iter, 32)
	if err != nil {
		return nil, fmt.Errorf("scram: derive the salted password: %w", err)
	}
	clientKey := mac(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	without := "c=" + base64.StdEncoding.EncodeToString([]byte("n,,")) + ",r=" + nonce
	authMsg := c.firstBare + "," + string(serverFirst) + "," + without
	sig := mac(stored[:], authMsg)
	proof := make([]byte, len(clientKey))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	c.serverSig = mac(mac(salted, "Server Key"), authMsg)
	return []byte(without + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// Verify checks the server-final message (the CONNACK's or AUTH's
// Authentication Data): it proves the server knows the client's key.
func (c *Client) Verify(serverFinal []byte) error {
	if c.serverSig == nil || string(serverFinal) != "v="+base64.StdEncoding.EncodeToString(c.serverSig) {
		return fmt.Errorf("scram: server signature %q does not prove the server knows the client's key", serverFinal)
	}
	return nil
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
