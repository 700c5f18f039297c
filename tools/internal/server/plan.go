// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wrenmq/wrenmq/authledger"
	"github.com/wrenmq/wrenmq/broker"
	"github.com/wrenmq/wrenmq/broker/listeners"
	"github.com/wrenmq/wrenmq/codec"
)

// Listener types.
const (
	typeTCP  = "tcp"
	typeTLS  = "tls"
	typeUnix = "unix"
	typeWS   = "ws"
	typeWSS  = "wss"
)

// plan is a validated configuration with every file loaded: starting it
// only binds sockets.
type plan struct {
	opts         broker.Options
	listeners    []listenerPlan
	allowAll     bool   // add broker.AllowAll
	anonymous    bool   // allowAll only because every listener is local
	ledgerPath   string // add an authledger hook loaded from here
	ledger       *authledger.Ledger
	obscure      bool
	storage      StorageConfig
	level        slog.Level
	format       string
	packets      bool
	httpAddr     string // "" when off
	shutdownTime time.Duration
}

// listenerPlan is one validated listener.
type listenerPlan struct {
	ListenerConfig
	tls   *tls.Config
	proxy *listeners.ProxyProtocol // nil: no PROXY protocol
}

// local reports whether the listener can only be reached from this host.
// A listener behind a PROXY protocol proxy never is: it carries clients
// from other hosts, whatever address it listens on.
func (l *listenerPlan) local() bool {
	if l.proxy != nil {
		return false
	}
	if l.Type == typeUnix {
		return true
	}
	host, _, err := net.SplitHostPort(l.Address)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isOff reports whether an address means "disabled".
func isOff(addr string) bool { return addr == "" || strings.EqualFold(addr, "off") }

// plan validates c and loads the files it names. Every problem is reported,
// each with its file, line and setting.
func (c *Config) plan() (*plan, error) {
	p := &plan{format: "text", shutdownTime: 10 * time.Second}
	var errs []error
	bad := func(msg string, path ...any) { errs = append(errs, c.errAt(msg, path...)) }

	if len(c.Listeners) == 0 {
		bad("no MQTT listener is configured; add one (type tcp, tls, unix, ws or wss)", "listeners")
	}
	ids := map[string]int{}
	counts := map[string]int{}
	addrs := map[string]int{}    // listener index by address
	badAddr := map[string]bool{} // listener IDs whose address is invalid
	for i, l := range c.Listeners {
		lp := listenerPlan{ListenerConfig: l}
		at := func(k string) []any { return []any{"listeners", i, k} }
		switch l.Type {
		case typeTCP, typeTLS, typeUnix, typeWS, typeWSS:
		case "":
			bad("missing; one of tcp, tls, unix, ws, wss", at("type")...)
			continue
		default:
			bad(fmt.Sprintf("unknown listener type %q; one of tcp, tls, unix, ws, wss", l.Type), at("type")...)
			continue
		}
		if lp.ID == "" {
			counts[l.Type]++
			lp.ID = l.Type
			if n := counts[l.Type]; n > 1 {
				lp.ID = l.Type + "-" + strconv.Itoa(n)
			}
		}
		if j, dup := ids[lp.ID]; dup {
			bad(fmt.Sprintf("listener id %q is also used by listeners[%d]", lp.ID, j), at("id")...)
		}
		ids[lp.ID] = i
		switch {
		case l.Address == "":
			bad("missing", at("address")...)
			badAddr[lp.ID] = true
		case l.Type == typeUnix:
		default:
			if err := checkHostPort(l.Address); err != nil {
				bad(err.Error(), at("address")...)
				badAddr[lp.ID] = true
			}
		}
		if _, port, _ := net.SplitHostPort(l.Address); l.Address != "" && port != "0" {
			if j, dup := addrs[l.Address]; dup {
				bad(fmt.Sprintf("%s is also the address of listeners[%d]", l.Address, j), at("address")...)
			}
			addrs[l.Address] = i
		}
		secure := l.Type == typeTLS || l.Type == typeWSS
		web := l.Type == typeWS || l.Type == typeWSS
		if secure && l.TLS == nil {
			bad(fmt.Sprintf("a %s listener needs a tls section with cert and key", l.Type), "listeners", i)
		}
		if !secure && l.TLS != nil {
			bad(fmt.Sprintf("only tls and wss listeners take a tls section, not %s", l.Type), at("tls")...)
		}
		if secure && l.TLS != nil {
			cfg, err := loadTLS(l.TLS, func(msg, k string) { bad(msg, "listeners", i, "tls", k) })
			if err == nil {
				lp.tls = cfg
			}
		}
		if !web && l.Path != "" {
			bad("only ws and wss listeners take a path", at("path")...)
		}
		if web && l.Path != "" && !strings.HasPrefix(l.Path, "/") {
			bad(fmt.Sprintf("%q must start with /", l.Path), at("path")...)
		}
		if !web && len(l.AllowedOrigins) > 0 {
			bad("only ws and wss listeners take allowed_origins", at("allowed_origins")...)
		}
		if l.ProxyProtocol {
			lp.proxy = &listeners.ProxyProtocol{}
			if l.Type == typeUnix {
				bad("the PROXY protocol is for tcp, tls, ws and wss listeners", at("proxy_protocol")...)
			}
		}
		for k, s := range l.ProxyTrusted {
			n, err := netip.ParsePrefix(s)
			switch {
			case !l.ProxyProtocol:
				bad("proxy_trusted needs proxy_protocol: true", at("proxy_trusted")...)
			case err != nil:
				bad(fmt.Sprintf("%q is not a CIDR network (e.g. 10.0.0.0/8, 192.0.2.7/32, fd00::/8)", s), append(at("proxy_trusted"), k)...)
			default:
				lp.proxy.Trusted = append(lp.proxy.Trusted, n.Masked())
			}
		}
		if l.MaxConnectionsPerIP < 0 {
			bad("must be 0 (no bound) or more", at("max_connections_per_ip")...)
		}
		if l.ConnectionRate < 0 {
			bad("must be 0 (no bound) or more", at("connection_rate")...)
		}
		if l.ConnectionBurst < 0 {
			bad("must be 0 (default) or more", at("connection_burst")...)
		}
		p.listeners = append(p.listeners, lp)
	}

	c.planCapabilities(p, bad)
	c.planLimits(p, bad)

	if a := c.Auth; a != nil {
		switch {
		case a.AllowAll && a.Ledger != "":
			bad("set either allow_all: true or ledger, not both", "auth")
		case a.AllowAll:
			p.allowAll = true
		case a.Ledger != "":
			l, err := authledger.Load(a.Ledger)
			if err != nil {
				bad(fmt.Sprintf("ledger %s: %v", a.Ledger, err), "auth", "ledger")
			}
			p.ledgerPath, p.ledger = a.Ledger, l
		default:
			bad("set allow_all: true or ledger: FILE (an authledger file)", "auth")
		}
		p.obscure = a.ObscureReasons
	} else {
		// The secure default: anonymous clients only when nobody but this
		// host can connect.
		for i := range p.listeners {
			if l := &p.listeners[i]; !badAddr[l.ID] && !l.local() {
				where := fmt.Sprintf("listens on %s, which is not loopback", l.Address)
				if l.proxy != nil {
					where = "serves clients of other hosts through a PROXY protocol proxy"
				}
				errs = append(errs, &ConfigError{File: c.file, Line: c.lineOf("listeners", i, "address"),
					Key: "auth", Msg: fmt.Sprintf("listener %s %s, and no auth is configured: "+
						"add an auth section (ledger: FILE, or allow_all: true) to the configuration file, or pass -ledger FILE or -allow-all",
						l.ID, where)})
				break
			}
		}
		p.allowAll, p.anonymous = true, true
	}

	p.storage = c.Storage
	switch c.Storage.Backend {
	case "", "memory":
		p.storage.Backend = "memory"
		if c.Storage.Badger != nil || c.Storage.Redis != nil {
			bad("a badger or redis section needs backend: badger or backend: redis", "storage", "backend")
		}
	case "badger":
		if c.Storage.Badger == nil || c.Storage.Badger.Dir == "" {
			bad("the badger backend needs badger: {dir: PATH}", "storage")
		}
		if c.Storage.Redis != nil {
			bad("a redis section with backend: badger", "storage", "redis")
		}
	case "redis":
		if c.Storage.Redis == nil || c.Storage.Redis.Addr == "" {
			bad("the redis backend needs redis: {addr: HOST:PORT}", "storage")
		} else {
			if err := checkHostPort(c.Storage.Redis.Addr); err != nil {
				bad(err.Error(), "storage", "redis", "addr")
			}
			if c.Storage.Redis.DB < 0 {
				bad("must be 0 or more", "storage", "redis", "db")
			}
		}
		if c.Storage.Badger != nil {
			bad("a badger section with backend: redis", "storage", "badger")
		}
	default:
		bad(fmt.Sprintf("unknown backend %q; one of memory, badger, redis", c.Storage.Backend), "storage", "backend")
	}

	switch c.Storage.Mode {
	case "", "sync", "async":
	default:
		bad(fmt.Sprintf("unknown mode %q; sync or async", c.Storage.Mode), "storage", "mode")
	}

	if lv, err := parseLevel(c.Logging.Level); err != nil {
		bad(err.Error(), "logging", "level")
	} else {
		p.level = lv
	}
	switch c.Logging.Format {
	case "", "text":
	case "json":
		p.format = "json"
	default:
		bad(fmt.Sprintf("unknown format %q; text or json", c.Logging.Format), "logging", "format")
	}
	p.packets = c.Logging.Packets

	if d := c.SysInterval; d != nil {
		switch {
		case d.D() < 0:
			bad("must not be negative (0 turns $SYS publishing off)", "sys_interval")
		case d.D() == 0:
			p.opts.SysInterval = -1
		case d.D() < time.Second:
			bad("must be at least 1s (0 turns $SYS publishing off)", "sys_interval")
		default:
			p.opts.SysInterval = d.D()
		}
	}
	if !isOff(c.HTTP.Addr) {
		if err := checkHostPort(c.HTTP.Addr); err != nil {
			bad(err.Error(), "http", "addr")
		} else {
			p.httpAddr = c.HTTP.Addr
		}
	}
	if d := c.ShutdownTimeout; d != nil {
		if d.D() <= 0 {
			bad("must be positive", "shutdown_timeout")
		} else {
			p.shutdownTime = d.D()
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b error) int { return lineOfErr(a) - lineOfErr(b) })
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// lineOfErr returns the line of a ConfigError, 0 otherwise.
func lineOfErr(err error) int {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce.Line
	}
	return 0
}

// planCapabilities maps the capabilities section onto p.opts.
func (c *Config) planCapabilities(p *plan, bad func(string, ...any)) {
	cc, oc := &c.Capabilities, &p.opts.Capabilities
	at := func(k string) []any { return []any{"capabilities", k} }
	if v := cc.MaximumQoS; v != nil {
		if *v < 0 || *v > 2 {
			bad(fmt.Sprintf("%d is not a QoS; 0, 1 or 2", *v), at("maximum_qos")...)
		}
		oc.MaximumQoS, oc.MaximumQoSSet = codec.QoS(*v), true
	}
	off := func(v *bool) bool { return v != nil && !*v }
	oc.DisableRetain = off(cc.RetainAvailable)
	oc.DisableWildcards = off(cc.WildcardSubscriptions)
	oc.DisableSharedSubscriptions = off(cc.SharedSubscriptions)
	oc.DisableSubscriptionIDs = off(cc.SubscriptionIdentifiers)
	if v := cc.TopicAliasMaximum; v != nil {
		if *v < 0 || *v > 65535 {
			bad(fmt.Sprintf("%d is out of range 0..65535", *v), at("topic_alias_maximum")...)
		}
		oc.TopicAliasMaximum, oc.TopicAliasMaximumSet = uint16(*v), true
	}
	if v := cc.ReceiveMaximum; v != nil {
		if *v < 1 || *v > 65535 {
			bad(fmt.Sprintf("%d is out of range 1..65535", *v), at("receive_maximum")...)
		}
		oc.ReceiveMaximum = uint16(*v)
	}
	if v := cc.MaximumPacketSize; v != nil {
		if *v < 64 || *v > 268435460 {
			bad(fmt.Sprintf("%d is out of range 64..268435460 bytes", *v), at("maximum_packet_size")...)
		}
		oc.MaximumPacketSize = uint32(*v)
	}
	seconds := func(d *Duration, k string, max time.Duration) uint32 {
		if d == nil {
			return 0
		}
		if d.D() < 0 || d.D() > max {
			bad(fmt.Sprintf("%s is out of range 0..%s", d.D(), max), at(k)...)
			return 0
		}
		return uint32(d.D() / time.Second)
	}
	oc.ServerKeepAlive = uint16(seconds(cc.ServerKeepAlive, "server_keep_alive", 65535*time.Second))
	oc.MaximumSessionExpiry = seconds(cc.MaximumSessionExpiry, "maximum_session_expiry", (1<<32-1)*time.Second)
	oc.MaximumMessageExpiry = seconds(cc.MaximumMessageExpiry, "maximum_message_expiry", (1<<32-1)*time.Second)
}

// planLimits maps the limits section onto p.opts.
func (c *Config) planLimits(p *plan, bad func(string, ...any)) {
	lc, ol := &c.Limits, &p.opts.Limits
	positive := func(v *int, k string, dst *int) {
		if v == nil {
			return
		}
		if *v < 1 {
			bad(fmt.Sprintf("%d must be at least 1", *v), "limits", k)
			return
		}
		*dst = *v
	}
	positive(lc.MaxClients, "max_clients", &ol.MaxClients)
	positive(lc.MaxConnections, "max_connections", &ol.MaxConnections)
	positive(lc.MaxOutboundBytes, "max_outbound_bytes", &ol.MaxOutboundBytes)
	positive(lc.MaxInflight, "max_inflight", &ol.MaxInflight)
	if lc.MaxInflight != nil && *lc.MaxInflight > 65535 {
		bad(fmt.Sprintf("%d is more than 65535", *lc.MaxInflight), "limits", "max_inflight")
	}
	positive(lc.MaxInflightBytes, "max_inflight_bytes", &ol.MaxInflightBytes)
	positive(lc.MaxQueuedMessages, "max_queued_messages", &ol.MaxQueuedMessages)
	positive(lc.MaxQueuedBytes, "max_queued_bytes", &ol.MaxQueuedBytes)
	positive(lc.MaxTotalQueuedBytes, "max_total_queued_bytes", &ol.MaxTotalQueuedBytes)
	positive(lc.MaxSubscriptionsPerClient, "max_subscriptions_per_client", &ol.MaxSubscriptionsPerClient)
	positive(lc.MaxSubscriptionBytes, "max_subscription_bytes", &ol.MaxSubscriptionBytes)
	positive(lc.MaxTotalSubscriptionBytes, "max_total_subscription_bytes", &ol.MaxTotalSubscriptionBytes)
	positive(lc.MaxRetained, "max_retained", &ol.MaxRetained)
	positive(lc.MaxRetainedBytes, "max_retained_bytes", &ol.MaxRetainedBytes)
	positive(lc.MaxTopicLevels, "max_topic_levels", &ol.MaxTopicLevels)
	positive(lc.OutboundHighWater, "outbound_high_water", &ol.OutboundHighWater)
	ol.QueueQoS0Offline = lc.QueueQoS0Offline != nil && *lc.QueueQoS0Offline
	if v := lc.MemoryLimit; v != nil {
		if *v < 0 {
			bad(fmt.Sprintf("%d is negative", *v), "limits", "memory_limit")
		}
		ol.MemoryLimit = *v
	}
	if v := lc.CloseLinger; v != nil {
		switch {
		case v.D() < 0:
			bad("must not be negative (0 closes at once)", "limits", "close_linger")
		case v.D() == 0:
			p.opts.CloseLinger = -1
		default:
			p.opts.CloseLinger = v.D()
		}
	}
	for _, d := range []struct {
		v   *Duration
		k   string
		dst *time.Duration
	}{{lc.ConnectTimeout, "connect_timeout", &p.opts.ConnectTimeout}, {lc.WriteTimeout, "write_timeout", &p.opts.WriteTimeout},
		{lc.PublishBackpressure, "publish_backpressure", &ol.PublishBackpressure}} {
		if d.v == nil {
			continue
		}
		if d.v.D() <= 0 {
			bad("must be positive", "limits", d.k)
			continue
		}
		*d.dst = d.v.D()
	}
}

// checkHostPort checks a host:port address (port 0 means any free port).
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:1883, :1883, [::1]:0)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number in 0..65535", addr, port)
	}
	return nil
}

// parseLevel parses a slog level name.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown level %q; debug, info, warn or error", s)
}

// loadTLS builds the server TLS configuration of a tls or wss listener,
// reporting each problem through bad with its key.
func loadTLS(t *TLSConfig, bad func(msg, key string)) (*tls.Config, error) {
	ok := true
	fail := func(msg, key string) { bad(msg, key); ok = false }
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch t.MinVersion {
	case "", "1.2":
	case "1.3":
		cfg.MinVersion = tls.VersionTLS13
	default:
		fail(fmt.Sprintf("unknown TLS version %q; 1.2 or 1.3", t.MinVersion), "min_version")
	}
	switch {
	case t.Cert == "":
		fail("missing: the server certificate (PEM) file", "cert")
	case t.Key == "":
		fail("missing: the server private key (PEM) file", "key")
	default:
		kp, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			fail(fmt.Sprintf("load certificate %s and key %s: %v", t.Cert, t.Key, err), "cert")
		} else {
			cfg.Certificates = []tls.Certificate{kp}
		}
	}
	if t.ClientCA != "" {
		pem, err := os.ReadFile(t.ClientCA)
		if err != nil {
			fail(fmt.Sprintf("read client CA: %v", err), "client_ca")
		} else {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				fail(fmt.Sprintf("%s holds no PEM certificate", t.ClientCA), "client_ca")
			}
			cfg.ClientCAs = pool
		}
	}
	switch t.ClientAuth {
	case "":
		if t.ClientCA != "" {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	case "none":
	case "request":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		fail(fmt.Sprintf("unknown client_auth %q; none, request or require", t.ClientAuth), "client_auth")
	}
	if (t.ClientAuth == "request" || t.ClientAuth == "require") && t.ClientCA == "" {
		fail("client_auth "+t.ClientAuth+" needs client_ca, the CA that signs client certificates", "client_auth")
	}
	if !ok {
		return nil, errors.New("invalid tls section")
	}
	return cfg, nil
}
