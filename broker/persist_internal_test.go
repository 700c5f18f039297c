// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"crypto/x509/pkix"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wrenmq/wrenmq/codec"
)

// TestRetainedPublisherRoundTrip: a retained message's publisher comes
// back from its stored form with what ACL hooks look at, certificate
// subject included, and restored messages of one publisher share one
// ClientInfo.
func TestRetainedPublisherRoundTrip(t *testing.T) {
	cl := &ClientInfo{ID: "dev-1", Username: "u", Remote: "10.0.0.7:51234", Listener: "tls", ProtocolVersion: codec.V5,
		CertSubject: &pkix.Name{CommonName: "dev-1", Organization: []string{"acme"}, Country: []string{"NL"}}}
	ps := publishers{}
	got := ps.restore(storedPublisher(cl))
	require.Equal(t, cl.ID, got.ID)
	require.Equal(t, cl.Username, got.Username)
	require.Equal(t, cl.Remote, got.Remote)
	require.Equal(t, cl.Listener, got.Listener)
	require.Equal(t, cl.ProtocolVersion, got.ProtocolVersion)
	require.NotNil(t, got.CertSubject)
	require.Equal(t, cl.CertSubject.CommonName, got.CertSubject.CommonName)
	require.Equal(t, cl.CertSubject.Organization, got.CertSubject.Organization)
	require.Equal(t, cl.CertSubject.Country, got.CertSubject.Country)
	require.Same(t, got, ps.restore(storedPublisher(cl)), "one ClientInfo per publisher")

	noCert := *cl
	noCert.CertSubject = nil
	require.Nil(t, ps.restore(storedPublisher(&noCert)).CertSubject)
	require.Nil(t, storedPublisher(nil), "the server's own messages")
	require.Nil(t, ps.restore(nil))
}
