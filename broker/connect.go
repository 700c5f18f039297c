// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wrenmq/wrenmq/codec"
)

// handlePreConnect handles the packets of a connection that has not
// completed CONNECT: the CONNECT itself and, for v5 enhanced
// authentication, AUTH packets.
func (c *conn) handlePreConnect(h codec.FixedHeader, body []byte) error {
	if c.state.Load() == stateAuthenticating {
		if h.Type == codec.DISCONNECT {
			// The client gives up the exchange; it may say so before
			// closing (MQTT 4.12): no CONNACK, no session.
			return errors.New("client sent DISCONNECT during enhanced authentication")
		}
		if h.Type != codec.AUTH {
			return c.refuse(codec.ProtocolError, fmt.Errorf("%s during authentication", h.Type))
		}
		return c.handlePreConnectAuth(h, body)
	}
	if h.Type != codec.CONNECT {
		// [MQTT-3.1.0-1] The first packet must be CONNECT.
		return fmt.Errorf("first packet is %s, not CONNECT", h.Type)
	}
	pk := &codec.Connect{}
	if err := pk.Decode(h.Flags, body, 0); err != nil {
		c.version = pk.ProtocolVersion
		code := codec.CodeOf(err)
		if code == codec.UnsupportedProtocolVersion {
			if errors.Is(err, codec.ErrProtocolName) && pk.ProtocolVersion != codec.V5 {
				// The client may speak another protocol: no v3.1.1 CONNACK
				// (v3.1.1 [MQTT-3.1.2-1]).
				return err
			}
			// [MQTT-3.1.2-2] v3.1.1: CONNACK 0x01 then close. A v5 client
			// gets 0x84; anything else the v3 form.
			if pk.ProtocolVersion != codec.V5 {
				c.version = codec.V311
			}
			return c.refuse(codec.UnsupportedProtocolVersion, err)
		}
		if c.version == codec.V5 {
			return c.refuse(code, err) // [MQTT-3.1.4-1]
		}
		return err // v3: close without CONNACK [MQTT-3.1.4-1]
	}
	c.version = pk.ProtocolVersion
	c.connect = pk
	return c.startConnect(pk)
}

// handlePreConnectAuth handles an AUTH packet of an enhanced
// authentication exchange before CONNACK.
func (c *conn) handlePreConnectAuth(h codec.FixedHeader, body []byte) error {
	a := &codec.Auth{}
	if err := a.Decode(h.Flags, body, codec.V5); err != nil {
		return c.refuse(codec.CodeOf(err), err)
	}
	return c.continueAuth(a)
}

// refuse sends a CONNACK carrying a failure code and ends the connection
// [MQTT-3.2.2-6] [MQTT-3.2.2-7]. v3 clients get the nearest v3 return code,
// and none at all for codes v3 cannot express.
func (c *conn) refuse(code codec.ReasonCode, cause error) error {
	if c.srv.opts.Compat.ObscureNotAuthorized && (code == codec.NotAuthorized || code == codec.BadUsernameOrPassword) && c.version == codec.V5 {
		code = codec.UnspecifiedError
	}
	ack := &codec.Connack{ReasonCode: code}
	if c.version != codec.V5 {
		if !v3Refusable(code) {
			// No v3 return code describes a CONNECT the server cannot
			// honour: close without CONNACK [MQTT-3.2.2-6] (v3.1.1).
			return fmt.Errorf("connect refused (%s), no v3 return code: %w", code, cause)
		}
		ack.ReasonCode = codec.ConnackCodeV3(code)
	}
	c.sendControl(ack)
	c.lastWord.Store(true)
	return fmt.Errorf("connect refused (%s): %w", code, cause)
}

// v3Refusable reports whether a v3 CONNACK return code (1 to 5) fits a
// refusal with code. Codes that describe an invalid or unsupported CONNECT
// (malformed, protocol error, invalid will topic or payload, a will QoS or
// retain flag the server does not support) have none: "server
// unavailable" would tell the client to retry the same CONNECT.
func v3Refusable(code codec.ReasonCode) bool {
	switch code {
	case codec.MalformedPacket, codec.ProtocolError, codec.TopicNameInvalid, codec.PacketTooLarge,
		codec.PayloadFormatInvalid, codec.RetainNotSupported, codec.QoSNotSupported:
		return false
	}
	return true
}

// startConnect validates a decoded CONNECT and authenticates the client.
func (c *conn) startConnect(pk *codec.Connect) error {
	s := c.srv
	id := pk.ClientID
	assigned := false
	if id == "" {
		// [MQTT-3.1.3-7] v3.1.1 needs Clean Session for an empty identifier;
		// v3.1 needs an identifier [MQTT-3.1.3-8].
		if c.version == codec.V31 || (c.version == codec.V311 && !pk.CleanStart) {
			return c.refuse(codec.ClientIdentifierNotValid, errors.New("empty client identifier without clean session"))
		}
		id = "wrenmq-" + strconv.FormatUint(s.nextID.Add(1), 36) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
		assigned = true // [MQTT-3.1.3-6]
	} else if c.version == codec.V31 && utf8.RuneCountInString(id) > 23 {
		// MQTT 3.1 identifiers are 1 to 23 characters; a longer one is
		// refused with return code 2, as Mosquitto and aedes do.
		return c.refuse(codec.ClientIdentifierNotValid, errors.New("MQTT 3.1 client identifier longer than 23 characters"))
	}
	info := &ClientInfo{
		ID:              id,
		Remote:          c.nc.RemoteAddr().String(),
		Listener:        c.listener,
		ProtocolVersion: c.version,
		CertSubject:     certSubject(c.nc),
	}
	if pk.Username != nil {
		info.Username = *pk.Username
	}
	c.info, c.id = info, info.ID
	c.assigned = assigned
	if s.stats.clientsConnected.Load() >= int64(s.opts.Limits.MaxClients) {
		return c.refuse(codec.ServerBusy, errors.New("maximum number of clients reached"))
	}
	if s.overMemory() {
		return c.refuse(codec.QuotaExceeded, errors.New("the live heap is above the memory limit"))
	}
	if ska := s.opts.Capabilities.ServerKeepAlive; ska > 0 && c.version != codec.V5 && (pk.KeepAlive == 0 || pk.KeepAlive > ska) {
		// A v3 client cannot be told a shorter keep alive, and would be
		// disconnected for pinging at its own: refused, as Mosquitto's
		// max_keepalive does (CONNACK 0x02 identifier rejected).
		return c.refuse(codec.ClientIdentifierNotValid, fmt.Errorf("keep alive %d s exceeds the server keep alive of %d s, which a v3 client cannot be told", pk.KeepAlive, ska))
	}
	props := &pk.Properties
	c.clientReceiveMax = 65535
	if props.ReceiveMaximum != nil {
		c.clientReceiveMax = *props.ReceiveMaximum
	}
	if props.MaximumPacketSize != nil {
		c.clientMaxPacket = *props.MaximumPacketSize
	}
	if props.TopicAliasMaximum != nil && c.version == codec.V5 && !s.opts.Capabilities.DisableOutboundTopicAliases {
		c.clientAliasMax = *props.TopicAliasMaximum
	}
	c.problemInfo = props.RequestProblemInfo == nil || *props.RequestProblemInfo == 1
	if will := pk.Will; will != nil {
		if err := c.checkWill(will); err != nil {
			return err
		}
	}
	if c.version == codec.V5 && props.AuthMethod != nil {
		h := s.hooks.enhancedFor(*props.AuthMethod)
		if h == nil {
			return c.refuse(codec.BadAuthenticationMethod, fmt.Errorf("authentication method %q not supported", *props.AuthMethod))
		}
		c.authHook = h
		c.auth = &AuthExchange{Method: *props.AuthMethod, Data: props.AuthData, Connect: pk}
		return c.runAuth()
	}
	if rc := s.hooks.authenticate(info, pk); rc != codec.Success {
		return c.refuse(rc, errors.New("authentication failed"))
	}
	return c.completeConnect(pk, nil)
}

// checkWill validates the will against the server's capabilities.
func (c *conn) checkWill(w *codec.Will) error {
	caps := &c.srv.opts.Capabilities
	if w.QoS > caps.MaximumQoS {
		return c.refuse(codec.QoSNotSupported, fmt.Errorf("will QoS %d above maximum %d", w.QoS, caps.MaximumQoS)) // [MQTT-3.2.2-12]
	}
	if w.Retain && caps.DisableRetain {
		return c.refuse(codec.RetainNotSupported, errors.New("will retain not supported")) // [MQTT-3.2.2-13]
	}
	if err := codec.ValidateTopicName(w.Topic); err != nil {
		return c.refuse(codec.TopicNameInvalid, err)
	}
	// The bounds a PUBLISH meets (admitPublish) hold for the will too.
	if levels := strings.Count(w.Topic, "/") + 1; levels > c.srv.opts.Limits.MaxTopicLevels {
		return c.refuse(codec.TopicNameInvalid, fmt.Errorf("will topic has %d levels, more than the %d allowed", levels, c.srv.opts.Limits.MaxTopicLevels))
	}
	if isSys(w.Topic) {
		return c.refuse(codec.NotAuthorized, errors.New("a will may not publish below $SYS, where the server publishes its statistics"))
	}
	if c.version == codec.V5 && w.Properties.PayloadFormat != nil && *w.Properties.PayloadFormat == 1 && !codec.ValidUTF8(w.Payload) {
		return c.refuse(codec.PayloadFormatInvalid, errors.New("will payload is not valid UTF-8")) // [MQTT-3.1.3-11]
	}
	if !c.srv.hooks.allowed(c.info, w.Topic, AccessWrite) {
		return c.refuse(codec.NotAuthorized, errors.New("will topic not authorized"))
	}
	return nil
}

// reauthenticatedAs switches a connected client to the identity a
// re-authentication established: under the session's lock, since routing
// reads it to check deliveries (session.readerInfo), and then with a
// recheck of the session's subscriptions and queue for the new identity.
func (c *conn) reauthenticatedAs(info *ClientInfo) {
	s, sess := c.srv, c.sess
	sess.mu.Lock()
	old := c.info
	c.info = info
	if sess.conn != c {
		// Taken over meanwhile: the session is another client's now.
		sess.mu.Unlock()
		return
	}
	sess.username = info.Username
	sess.checkedFor = info
	if sess.willFrom == old {
		sess.willFrom = info // the will is checked with the new identity
	}
	s.saveSessionLocked(sess, time.Time{})
	sess.mu.Unlock()
	s.recheckSession(sess, info, s.aclGen.Load(), false)
}

// runAuth runs one step of an enhanced authentication exchange (4.12).
func (c *conn) runAuth() error {
	var res AuthResult
	c.srv.hooks.guard(c.authHook, "OnEnhancedAuth", func() { res = c.authHook.OnEnhancedAuth(c.info, c.auth) })
	switch {
	case res.Code == codec.Success:
		if res.Username != "" {
			info := *c.info
			info.Username = res.Username
			if c.state.Load() != stateConnected {
				c.info = &info
			} else if info.Username != c.info.Username {
				c.reauthenticatedAs(&info)
			}
		}
		if c.state.Load() == stateConnected {
			// Re-authentication succeeded [MQTT-4.12.1-2].
			a := &codec.Auth{ReasonCode: codec.Success}
			a.Properties.AuthMethod = &c.auth.Method
			a.Properties.AuthData = res.Data
			c.auth = nil
			c.sendControl(a)
			return nil
		}
		st := c.auth
		c.auth = nil
		return c.completeConnect(st.Connect, res.Data)
	case res.Code == codec.ContinueAuthentication:
		a := &codec.Auth{ReasonCode: codec.ContinueAuthentication}
		a.Properties.AuthMethod = &c.auth.Method
		a.Properties.AuthData = res.Data
		if c.state.Load() != stateConnected {
			c.state.Store(stateAuthenticating)
		}
		c.sendControl(a)
		return nil
	default:
		code := res.Code
		if !code.IsError() {
			code = codec.NotAuthorized
		}
		if c.state.Load() == stateConnected {
			if (&codec.Disconnect{ReasonCode: code}).Validate(codec.V5) != nil {
				// A code only CONNACK carries (0x86 bad user name or
				// password, 0x8C bad authentication method): DISCONNECT
				// says 0x87 [MQTT-3.14.2-1].
				code = codec.NotAuthorized
			}
			c.sendDisconnect(code, "re-authentication failed")
			c.lastWord.Store(true)
			return fmt.Errorf("re-authentication failed: %s", code)
		}
		return c.refuse(code, errors.New("enhanced authentication failed"))
	}
}

// continueAuth handles an AUTH packet during an exchange.
func (c *conn) continueAuth(a *codec.Auth) error {
	if c.auth == nil || a.ReasonCode != codec.ContinueAuthentication ||
		a.Properties.AuthMethod == nil || *a.Properties.AuthMethod != c.auth.Method {
		// [MQTT-4.12.0-4] [MQTT-4.12.0-5]
		err := errors.New("unexpected AUTH packet")
		if c.state.Load() == stateConnected {
			return c.protocolError(&codec.Error{Packet: codec.AUTH, Field: "reason code", Code: codec.ProtocolError, Err: err})
		}
		return c.refuse(codec.ProtocolError, err)
	}
	c.auth.Data = a.Properties.AuthData
	return c.runAuth()
}

// handleAuth handles AUTH from a connected v5 client: re-authentication
// (0x19) or the continuation of one.
func (c *conn) handleAuth(a *codec.Auth) error {
	if a.ReasonCode == codec.ReAuthenticate {
		m := a.Properties.AuthMethod
		if m == nil || c.connect == nil || c.connect.Properties.AuthMethod == nil || *m != *c.connect.Properties.AuthMethod || c.authHook == nil {
			// [MQTT-4.12.1-1] same method as in CONNECT.
			return c.protocolError(&codec.Error{Packet: codec.AUTH, Field: "authentication method", Code: codec.ProtocolError,
				Err: errors.New("re-authentication without the CONNECT's method")})
		}
		c.auth = &AuthExchange{Method: *m, Data: a.Properties.AuthData, Reauthenticate: true, Connect: c.connect}
		return c.runAuth()
	}
	return c.continueAuth(a)
}

// willMessage returns the message a will publishes and its delay. (Apart
// from completeConnect, so that clients without a will do not pay for
// the PUBLISH it builds on the stack.)
func (c *conn) willMessage(w *codec.Will) (*message, uint32) {
	wp := &codec.Publish{QoS: w.QoS, Retain: w.Retain, Topic: w.Topic, Payload: w.Payload, Properties: w.Properties}
	var delay uint32
	if wp.Properties.WillDelay != nil {
		delay = *wp.Properties.WillDelay
	}
	wp.Properties.WillDelay = nil
	return newMessage(wp, c.info.ID, c.srv.opts.Capabilities.MaximumMessageExpiry, time.Now()), delay
}

// completeConnect establishes the session and sends CONNACK.
func (c *conn) completeConnect(pk *codec.Connect, authData []byte) error {
	s := c.srv
	for _, h := range s.hooks.connect {
		var err error
		s.hooks.guard(h, "OnConnect", func() { err = h.OnConnect(c.info, pk) })
		if err != nil {
			return c.refuse(codec.CodeOf(err), err)
		}
	}
	caps := &s.opts.Capabilities
	expiry := uint32(0)
	if c.version == codec.V5 {
		if e := pk.Properties.SessionExpiry; e != nil {
			expiry = *e
		}
	} else if !pk.CleanStart {
		expiry = never // v3 persistent sessions last until the cap below.
	}
	expiryCapped := false
	if expiry > caps.MaximumSessionExpiry {
		expiry, expiryCapped = caps.MaximumSessionExpiry, true
	}
	c.keepAlive = pk.KeepAlive
	keepAliveChanged := false
	if caps.ServerKeepAlive > 0 && (c.keepAlive == 0 || c.keepAlive > caps.ServerKeepAlive) {
		c.keepAlive, keepAliveChanged = caps.ServerKeepAlive, true
	}
	var will *message
	var willDelay uint32
	if pk.Will != nil {
		will, willDelay = c.willMessage(pk.Will)
	}

	// No other client with this identifier may attach between the resume
	// recheck and this attach: what it made of the session meanwhile would
	// be taken over unchecked.
	idl := s.connecting.lock(c.id)
	if !pk.CleanStart {
		s.recheckOnResume(c)
	}
	sess, present, endedWill, endedWillFrom, orphans := s.attach(c, pk.CleanStart, expiry, will, willDelay)
	s.connecting.unlock(c.id, idl)
	c.connectExpiry = expiry

	ack := &codec.Connack{SessionPresent: present} // [MQTT-3.2.2-1..3]
	if c.version == codec.V5 {
		// The capabilities are the same for every client: built once.
		ack.Properties = s.connackProps
		if len(s.hooks.packetEncode) > 0 {
			// An OnPacketEncode hook may change the packet in place: it
			// gets a copy, not the values every CONNACK shares.
			ack.Properties = s.connackProps.Clone()
		}
		ap := &ack.Properties
		if c.assigned {
			ap.AssignedClientID = codec.Ptr(c.info.ID)
		}
		if keepAliveChanged {
			ap.ServerKeepAlive = codec.Ptr(c.keepAlive) // [MQTT-3.2.2-21]
		}
		if expiryCapped {
			ap.SessionExpiry = codec.Ptr(expiry)
		}
		if pk.Properties.AuthMethod != nil {
			ap.AuthMethod = pk.Properties.AuthMethod
			ap.AuthData = authData
		}
		if r := pk.Properties.RequestResponseInfo; (r != nil && *r == 1 || s.opts.Compat.AlwaysReturnResponseInfo) && s.opts.ResponseInfo != "" {
			ap.ResponseInfo = codec.Ptr(s.opts.ResponseInfo)
		}
	}
	if c.keepAlive > 0 {
		c.readTimeout = time.Duration(c.keepAlive) * time.Second * 3 / 2
	} else {
		c.readTimeout = 0
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	c.lastDeadln = time.Time{}
	if pk.Properties.AuthMethod == nil {
		// Only re-authentication needs the CONNECT again; without it the
		// packet (will payload, password, properties) is not kept for the
		// life of the connection.
		c.connect = nil
	}

	// attach returned with sess.mu held, so the CONNACK is queued before
	// any message routed to the session [MQTT-3.2.0-1].
	c.state.Store(stateConnected)
	c.sendControl(ack)
	c.acked.Store(true)
	if present {
		sess.resumeLocked(c)
	}
	sess.unlock()
	// No lock held: the Hold attach opened ends (the reader then waits for
	// the storage room these writes may have taken, see readAndHandle).
	s.persist.release()
	s.redistribute(orphans)
	if endedWill != nil {
		s.publishWill(c.info.ID, endedWill, endedWillFrom)
	}

	for _, h := range s.hooks.established {
		s.hooks.guard(h, "OnSessionEstablished", func() { h.OnSessionEstablished(c.info, pk, present) })
	}
	if s.debugEnabled() {
		s.debug("client connected", "client", c.info.ID, "remote", c.info.Remote, "version", int(c.version), "session_present", present)
	}
	return nil
}
