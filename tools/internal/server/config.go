// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the broker's configuration file (YAML, or JSON, which the YAML
// parser also reads). Every field is optional; wrenmq.example.yaml documents
// each one with its default.
type Config struct {
	Listeners       []ListenerConfig   `yaml:"listeners"`
	Capabilities    CapabilitiesConfig `yaml:"capabilities"`
	Limits          LimitsConfig       `yaml:"limits"`
	Auth            *AuthConfig        `yaml:"auth"`
	Storage         StorageConfig      `yaml:"storage"`
	Logging         LoggingConfig      `yaml:"logging"`
	SysInterval     *Duration          `yaml:"sys_interval"`
	HTTP            HTTPConfig         `yaml:"http"`
	ShutdownTimeout *Duration          `yaml:"shutdown_timeout"`

	// file and root locate validation errors; empty for flag-only setups.
	file string
	root *yaml.Node
}

// ListenerConfig is one MQTT listener.
type ListenerConfig struct {
	// ID names the listener in logs; default its type, numbered when repeated.
	ID string `yaml:"id"`
	// Type is tcp, tls, unix, ws or wss.
	Type string `yaml:"type"`
	// Address is host:port, or the socket path for unix.
	Address string `yaml:"address"`
	// TLS is required for tls and wss.
	TLS *TLSConfig `yaml:"tls"`
	// Path is the only WebSocket path accepted (ws, wss); empty accepts
	// every path.
	Path string `yaml:"path"`
	// AllowedOrigins are the browser origins accepted besides same-origin
	// (ws, wss); "*" accepts all.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// optional marks the IPv6 loopback twins of the default listeners:
	// where they cannot be bound (no IPv6) they are skipped with a log line.
	optional bool

	// MaxConnectionsPerIP bounds concurrent connections from one IP; 0: none.
	MaxConnectionsPerIP int `yaml:"max_connections_per_ip"`
	// ConnectionRate bounds new connections per second; 0: none.
	ConnectionRate float64 `yaml:"connection_rate"`
	// ConnectionBurst is how many connections may arrive at once under
	// ConnectionRate; default the rate rounded up.
	ConnectionBurst int `yaml:"connection_burst"`

	// ProxyProtocol expects a PROXY protocol (v1 or v2) header at the
	// start of each connection from ProxyTrusted (tcp, tls, ws, wss).
	ProxyProtocol bool `yaml:"proxy_protocol"`
	// ProxyTrusted are the CIDR networks of the proxies; empty: every
	// connection must come through one.
	ProxyTrusted []string `yaml:"proxy_trusted"`
}

// TLSConfig names the certificate files of a tls or wss listener.
type TLSConfig struct {
	Cert     string `yaml:"cert"`
	Key      string `yaml:"key"`
	ClientCA string `yaml:"client_ca"`
	// ClientAuth is none, request (verify if given) or require; default
	// require when client_ca is set, none otherwise.
	ClientAuth string `yaml:"client_auth"`
	// MinVersion is "1.2" (default) or "1.3".
	MinVersion string `yaml:"min_version"`
}

// CapabilitiesConfig maps onto broker.Capabilities.
type CapabilitiesConfig struct {
	MaximumQoS              *int      `yaml:"maximum_qos"`
	RetainAvailable         *bool     `yaml:"retain_available"`
	WildcardSubscriptions   *bool     `yaml:"wildcard_subscriptions"`
	SharedSubscriptions     *bool     `yaml:"shared_subscriptions"`
	SubscriptionIdentifiers *bool     `yaml:"subscription_identifiers"`
	TopicAliasMaximum       *int      `yaml:"topic_alias_maximum"`
	ReceiveMaximum          *int      `yaml:"receive_maximum"`
	MaximumPacketSize       *int64    `yaml:"maximum_packet_size"`
	ServerKeepAlive         *Duration `yaml:"server_keep_alive"`
	MaximumSessionExpiry    *Duration `yaml:"maximum_session_expiry"`
	MaximumMessageExpiry    *Duration `yaml:"maximum_message_expiry"`
}

// LimitsConfig maps onto broker.Limits and the server's timeouts.
type LimitsConfig struct {
	MaxClients                *int      `yaml:"max_clients"`
	MaxConnections            *int      `yaml:"max_connections"`
	MaxOutboundBytes          *int      `yaml:"max_outbound_bytes"`
	MaxInflight               *int      `yaml:"max_inflight"`
	MaxInflightBytes          *int      `yaml:"max_inflight_bytes"`
	MaxQueuedMessages         *int      `yaml:"max_queued_messages"`
	MaxQueuedBytes            *int      `yaml:"max_queued_bytes"`
	MaxTotalQueuedBytes       *int      `yaml:"max_total_queued_bytes"`
	QueueQoS0Offline          *bool     `yaml:"queue_qos0_offline"`
	MaxSubscriptionsPerClient *int      `yaml:"max_subscriptions_per_client"`
	MaxSubscriptionBytes      *int      `yaml:"max_subscription_bytes"`
	MaxTotalSubscriptionBytes *int      `yaml:"max_total_subscription_bytes"`
	MaxRetained               *int      `yaml:"max_retained"`
	MaxRetainedBytes          *int      `yaml:"max_retained_bytes"`
	MaxTopicLevels            *int      `yaml:"max_topic_levels"`
	MemoryLimit               *int64    `yaml:"memory_limit"`
	OutboundHighWater         *int      `yaml:"outbound_high_water"`
	PublishBackpressure       *Duration `yaml:"publish_backpressure"`
	ConnectTimeout            *Duration `yaml:"connect_timeout"`
	WriteTimeout              *Duration `yaml:"write_timeout"`
	CloseLinger               *Duration `yaml:"close_linger"`
}

// AuthConfig chooses how clients are authenticated and authorised.
type AuthConfig struct {
	// AllowAll lets every client connect, subscribe and publish.
	AllowAll bool `yaml:"allow_all"`
	// Ledger is an authledger file (YAML or JSON), reloaded on SIGHUP.
	Ledger string `yaml:"ledger"`
	// ObscureReasons refuses every failed connection with 0x87.
	ObscureReasons bool `yaml:"obscure_reasons"`
}

// StorageConfig chooses where sessions and retained messages persist.
type StorageConfig struct {
	// Backend is memory (default), badger or redis.
	Backend string `yaml:"backend"`
	// Mode is sync (default: QoS 1/2 acknowledged once durable) or async.
	Mode   string        `yaml:"mode"`
	Badger *BadgerConfig `yaml:"badger"`
	Redis  *RedisConfig  `yaml:"redis"`
}

// BadgerConfig configures the badger backend.
type BadgerConfig struct {
	Dir string `yaml:"dir"`
	// SyncWrites fsyncs every batch (survives power loss, slower).
	SyncWrites bool `yaml:"sync_writes"`
}

// RedisConfig configures the redis backend.
type RedisConfig struct {
	Addr     string `yaml:"addr"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
	Prefix   string `yaml:"prefix"`
	TLS      bool   `yaml:"tls"`
}

// LoggingConfig configures log/slog.
type LoggingConfig struct {
	// Level is debug, info (default), warn or error; reloaded on SIGHUP.
	Level string `yaml:"level"`
	// Format is text (default) or json.
	Format string `yaml:"format"`
	// Packets logs every packet read and sent at debug level.
	Packets bool `yaml:"packets"`
}

// HTTPConfig configures the HTTP endpoint for /stats, /healthz, /readyz
// and /metrics.
type HTTPConfig struct {
	// Addr is host:port; empty or "off" disables the endpoint.
	Addr string `yaml:"addr"`
}

// Duration is a time.Duration written as "30s", "5m", "168h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	// A *yaml.TypeError lets the decoder go on and report other problems.
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a duration such as \"30s\"", n.Line)}}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration (write e.g. \"30s\", \"5m\", \"168h\")", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d *Duration) D() time.Duration { return time.Duration(*d) }

// ConfigError is an invalid configuration: the file, the line (0 when
// unknown), the setting and what is wrong with it.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadConfig reads and validates the configuration file at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return ParseConfig(data, path)
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
	linePrefix   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// ParseConfig parses a YAML or JSON configuration; file names it in errors.
// Unknown keys are rejected. The result is not yet validated against the
// flags: call Validate after applying them.
func ParseConfig(data []byte, file string) (*Config, error) {
	c := &Config{file: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	c.root = &root
	if len(c.Listeners) == 0 {
		// As without a file (and as Mosquitto with an empty one): TCP and
		// WebSocket on the loopback addresses.
		c.Listeners = defaultConfig().Listeners
	}
	return c, nil
}

// yamlError rewrites the YAML library's errors as ConfigErrors, one per line.
func yamlError(file string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var errs []error
	for _, m := range msgs {
		ce := &ConfigError{File: file, Msg: m}
		if g := unknownField.FindStringSubmatch(m); g != nil {
			fmt.Sscan(g[1], &ce.Line)
			ce.Msg = fmt.Sprintf("unknown key %q", g[2])
		} else if g := linePrefix.FindStringSubmatch(m); g != nil {
			fmt.Sscan(g[1], &ce.Line)
			ce.Msg = strings.TrimPrefix(g[2], "line "+g[1]+": ")
		}
		errs = append(errs, ce)
	}
	return errors.Join(errs...)
}

// lineOf returns the line of the node at path (mapping keys as strings,
// sequence indexes as ints), or of its closest existing ancestor.
func (c *Config) lineOf(path ...any) int {
	if c.root == nil || len(c.root.Content) == 0 {
		return 0
	}
	n := c.root.Content[0]
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						line = n.Content[i].Line
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// errAt returns a ConfigError for the setting at path.
func (c *Config) errAt(msg string, path ...any) *ConfigError {
	var key strings.Builder
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if key.Len() > 0 {
				key.WriteByte('.')
			}
			key.WriteString(k)
		case int:
			fmt.Fprintf(&key, "[%d]", k)
		}
	}
	return &ConfigError{File: c.file, Line: c.lineOf(path...), Key: key.String(), Msg: msg}
}
