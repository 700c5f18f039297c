// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SCRAMMethod is the MQTT v5 Authentication Method name of SCRAM-SHA-256
// (RFC 5802, RFC 7677).
const SCRAMMethod = "SCRAM-SHA-256"

// MinSCRAMIterations is the smallest PBKDF2 iteration count a ledger
// accepts, the minimum RFC 7677 recommends.
const MinSCRAMIterations = 4096

const (
	scramKeyLen   = sha256.Size
	scramSaltLen  = 16
	scramNonceLen = 18
)

// SCRAMCredentials are what the server stores for one SCRAM-SHA-256 user
// (RFC 5802 section 3): they let it verify a client's proof without
// knowing the password.
type SCRAMCredentials struct {
	// Salt is the PBKDF2 salt.
	Salt []byte
	// Iterations is the PBKDF2 iteration count.
	Iterations int
	// StoredKey is H(HMAC(SaltedPassword, "Client Key")).
	StoredKey []byte
	// ServerKey is HMAC(SaltedPassword, "Server Key").
	ServerKey []byte
}

// DeriveSCRAM computes SCRAM-SHA-256 credentials for password. A nil salt
// is replaced by 16 random bytes; iterations below [MinSCRAMIterations] are
// raised to it. The password is used as given (no SASLprep).
func DeriveSCRAM(password string, salt []byte, iterations int) (*SCRAMCredentials, error) {
	if salt == nil {
		salt = make([]byte, scramSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return nil, fmt.Errorf("derive scram: salt: %w", err)
		}
	}
	if iterations < MinSCRAMIterations {
		iterations = MinSCRAMIterations
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, scramKeyLen)
	if err != nil {
		return nil, fmt.Errorf("derive scram: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return &SCRAMCredentials{
		Salt:       salt,
		Iterations: iterations,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}, nil
}

// YAML returns the credentials as the ledger's scram: mapping, indented by
// indent spaces.
func (c *SCRAMCredentials) YAML(indent int) string {
	p := strings.Repeat(" ", indent)
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%sscram:\n%s  salt: %s\n%s  iterations: %d\n%s  stored_key: %s\n%s  server_key: %s\n",
		p, p, b64(c.Salt), p, c.Iterations, p, b64(c.StoredKey), p, b64(c.ServerKey))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

var (
	errSCRAMMalformed = errors.New("malformed SCRAM message")
	errSCRAMProof     = errors.New("invalid SCRAM proof")
)

// scramState is kept in AuthExchange.State between the two client steps.
type scramState struct {
	user      string
	cred      *SCRAMCredentials
	known     bool // false: the user has no usable credentials; fail at the proof
	gs2Header string
	firstBare string
	serverMsg string
	fullNonce string
	// refusal is the verdict to give if the proof is wrong or the user has
	// no usable credentials.
	refusal verdict
}

// scramClientFirst parses "gs2-header client-first-message-bare" and
// returns the header, the bare message, the user name and the nonce.
func scramClientFirst(msg string) (gs2, bare, user, nonce string, err error) {
	// gs2-header = gs2-cbind-flag "," [ authzid ] ","
	cb, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return "", "", "", "", errSCRAMMalformed
	}
	switch {
	case cb == "n" || cb == "y":
	case strings.HasPrefix(cb, "p="):
		return "", "", "", "", fmt.Errorf("%w: channel binding is not supported", errSCRAMMalformed)
	default:
		return "", "", "", "", errSCRAMMalformed
	}
	authz, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return "", "", "", "", errSCRAMMalformed
	}
	gs2 = cb + "," + authz + ","
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		// This also refuses the reserved mandatory extension "m=".
		return "", "", "", "", errSCRAMMalformed
	}
	user, err = scramUnescape(attrs[0][2:])
	if err != nil {
		return "", "", "", "", err
	}
	nonce = attrs[1][2:]
	if user == "" || !printableNonce(nonce) {
		return "", "", "", "", errSCRAMMalformed
	}
	if authz != "" {
		if !strings.HasPrefix(authz, "a=") {
			return "", "", "", "", errSCRAMMalformed
		}
		if z, err := scramUnescape(authz[2:]); err != nil || z != user {
			return "", "", "", "", fmt.Errorf("%w: authorization identity differs from the user name", errSCRAMMalformed)
		}
	}
	return gs2, bare, user, nonce, nil
}

func printableNonce(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// scramUnescape decodes a saslname ("=2C" is ',', "=3D" is '=').
func scramUnescape(s string) (string, error) {
	if !strings.Contains(s, "=") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", fmt.Errorf("%w: bad escape in user name", errSCRAMMalformed)
		}
		i += 2
	}
	return b.String(), nil
}

// scramServerFirst builds the server-first-message for st and records it.
func (st *scramState) serverFirst(clientNonce string) (string, error) {
	n := make([]byte, scramNonceLen)
	if _, err := rand.Read(n); err != nil {
		return "", fmt.Errorf("scram nonce: %w", err)
	}
	st.fullNonce = clientNonce + base64.RawStdEncoding.EncodeToString(n)
	st.serverMsg = "r=" + st.fullNonce +
		",s=" + base64.StdEncoding.EncodeToString(st.cred.Salt) +
		",i=" + strconv.Itoa(st.cred.Iterations)
	return st.serverMsg, nil
}

// verifyFinal checks the client-final-message and returns the
// server-final-message.
func (st *scramState) verifyFinal(msg string) (string, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return "", errSCRAMMalformed
	}
	withoutProof, proofB64 := msg[:i], msg[i+3:]
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil || len(proof) != scramKeyLen {
		return "", errSCRAMMalformed
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", errSCRAMMalformed
	}
	cbind, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	if err != nil || string(cbind) != st.gs2Header {
		return "", fmt.Errorf("%w: channel binding data does not repeat the GS2 header", errSCRAMMalformed)
	}
	if subtle.ConstantTimeCompare([]byte(attrs[1][2:]), []byte(st.fullNonce)) != 1 {
		return "", fmt.Errorf("%w: nonce mismatch", errSCRAMMalformed)
	}
	authMsg := st.firstBare + "," + st.serverMsg + "," + withoutProof
	sig := hmacSHA256(st.cred.StoredKey, authMsg)
	clientKey := make([]byte, scramKeyLen)
	subtle.XORBytes(clientKey, proof, sig)
	got := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(got[:], st.cred.StoredKey) != 1 || !st.known {
		return "", errSCRAMProof
	}
	return "v=" + base64.StdEncoding.EncodeToString(hmacSHA256(st.cred.ServerKey, authMsg)), nil
}
