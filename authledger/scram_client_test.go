// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger_test

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

// scramClient is an independent client side of SCRAM-SHA-256 (RFC 5802)
// for the tests.
type scramClient struct {
	user, password string
	nonce          string
	firstBare      string
	serverSig      []byte
}

func newSCRAMClient(user, password string) *scramClient {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return &scramClient{user: user, password: password, nonce: base64.RawStdEncoding.EncodeToString(b)}
}

func (c *scramClient) first() []byte {
	name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
	c.firstBare = "n=" + name + ",r=" + c.nonce
	return []byte("n,," + c.firstBare)
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func (c *scramClient) final(serverFirst []byte) ([]byte, error) {
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
		return nil, errors.New("server nonce does not extend ours")
	}
	s, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || iter < 4096 {
		return nil, fmt.Errorf("bad salt or iterations %d", iter)
	}
	salted, err := pbkdf2.Key(sha256.New, c.password, s, iter, 32)
	if err != nil {
		return nil, err
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

func (c *scramClient) verifyServer(serverFinal []byte) error {
	if string(serverFinal) != "v="+base64.StdEncoding.EncodeToString(c.serverSig) {
		return fmt.Errorf("server signature %q does not prove the server knows our key", serverFinal)
	}
	return nil
}
