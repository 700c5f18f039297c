// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parser walks a yaml.Node tree so that every error can name its line and
// the order of filters inside a rule is kept (a Go map would lose it).
type parser struct {
	file string
	rule string
}

func (p *parser) errf(n *yaml.Node, err error) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: p.file, Line: line, Rule: p.rule, Err: err}
}

func (p *parser) document(data []byte) (*Ledger, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ParseError{File: p.file, Err: fmt.Errorf("%w: %w", ErrBadValue, err)}
	}
	l := &Ledger{dflt: Deny}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return l, nil // an empty document denies everything
	}
	root := doc.Content[0]
	var authNode, aclNode *yaml.Node
	err := p.mapping(root, func(key string, k, v *yaml.Node) error {
		switch key {
		case "default":
			s, err := p.str(v)
			if err != nil {
				return err
			}
			a, err := parseAccess(s)
			if err != nil {
				return p.errf(v, fmt.Errorf("default: %w", err))
			}
			l.dflt = a
		case "allow_plaintext":
			b, err := p.boolean(v)
			if err != nil {
				return err
			}
			l.allowPlaintext = b
		case "partial_subscriptions":
			s, err := p.str(v)
			if err != nil {
				return err
			}
			switch s {
			case "filter":
			case "refuse":
				l.refusePartial = true
			default:
				return p.errf(v, fmt.Errorf("%w: partial_subscriptions %q (want filter or refuse)", ErrBadValue, s))
			}
		case "auth":
			authNode = v
		case "acl":
			aclNode = v
		default:
			return p.errf(k, fmt.Errorf("%w %q (want default, allow_plaintext, partial_subscriptions, auth or acl)", ErrUnknownField, key))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// auth is read after allow_plaintext whatever the key order.
	if authNode != nil {
		if l.auth, err = p.authRules(authNode, l.allowPlaintext); err != nil {
			return nil, err
		}
	}
	if aclNode != nil {
		if l.acl, err = p.aclRules(aclNode); err != nil {
			return nil, err
		}
	}
	l.authIndex = newRuleIndex(len(l.auth), func(i int) *who { return &l.auth[i].who })
	l.aclIndex = newRuleIndex(len(l.acl), func(i int) *who { return &l.acl[i].who })
	return l, nil
}

// mapping calls fn for each key of a mapping node in order, rejecting
// non-string and duplicate keys.
func (p *parser) mapping(n *yaml.Node, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, fmt.Errorf("%w: want a mapping", ErrBadValue))
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, fmt.Errorf("%w: want a string key", ErrBadValue))
		}
		if first, ok := seen[k.Value]; ok {
			return p.errf(k, fmt.Errorf("%w key %q (first on line %d)", ErrDuplicate, k.Value, first))
		}
		seen[k.Value] = k.Line
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, fmt.Errorf("%w: want a string", ErrBadValue))
	}
	return n.Value, nil
}

func (p *parser) boolean(n *yaml.Node) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, p.errf(n, fmt.Errorf("%w: want true or false, got %q", ErrBadValue, n.Value))
	}
	return b, nil
}

func (p *parser) integer(n *yaml.Node) (int, error) {
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		return 0, p.errf(n, fmt.Errorf("%w: want an integer, got %q", ErrBadValue, n.Value))
	}
	return i, nil
}

func (p *parser) b64(n *yaml.Node) ([]byte, error) {
	s, err := p.str(n)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, p.errf(n, fmt.Errorf("%w: not standard base64: %w", ErrBadValue, err))
	}
	return b, nil
}

func (p *parser) sequence(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, fmt.Errorf("%w: %s must be a list", ErrBadValue, what))
	}
	return n.Content, nil
}

// whoField parses one of the identity fields shared by auth and acl rules.
func (p *parser) whoField(w *who, key string, v *yaml.Node) (bool, error) {
	switch key {
	case "client", "username":
		s, err := p.str(v)
		if err != nil {
			return true, err
		}
		if s == "" {
			return true, p.errf(v, fmt.Errorf("%w: %s pattern is empty (leave the field out to match any)", ErrBadValue, key))
		}
		if key == "client" {
			w.client = s
		} else {
			w.username = s
		}
		return true, nil
	case "remote":
		s, err := p.str(v)
		if err != nil {
			return true, err
		}
		r, err := parseRemote(s)
		if err != nil {
			return true, p.errf(v, err)
		}
		w.remote = &r
		return true, nil
	case "cert_cn":
		s, err := p.str(v)
		if err != nil {
			return true, err
		}
		if s == "" {
			return true, p.errf(v, fmt.Errorf("%w: cert_cn pattern is empty (leave the field out to match any)", ErrBadValue))
		}
		w.certCN = s
		return true, nil
	}
	return false, nil
}

func (p *parser) authRules(n *yaml.Node, allowPlain bool) ([]authRule, error) {
	items, err := p.sequence(n, "auth")
	if err != nil {
		return nil, err
	}
	rules := make([]authRule, 0, len(items))
	seen := map[string]int{}
	for i, item := range items {
		p.rule = fmt.Sprintf("auth rule %d", i+1)
		r := authRule{line: item.Line}
		hasAllow := false
		var passNode *yaml.Node
		err := p.mapping(item, func(key string, k, v *yaml.Node) error {
			if ok, err := p.whoField(&r.who, key, v); ok {
				return err
			}
			switch key {
			case "password":
				s, err := p.str(v)
				if err != nil {
					return err
				}
				r.password, passNode = s, v
			case "allow":
				b, err := p.boolean(v)
				if err != nil {
					return err
				}
				r.allow, hasAllow = b, true
			case "scram":
				c, err := p.scram(v)
				if err != nil {
					return err
				}
				r.scram = c
			default:
				return p.errf(k, fmt.Errorf("%w %q (want client, username, remote, cert_cn, password, scram or allow)", ErrUnknownField, key))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !hasAllow {
			return nil, p.errf(item, fmt.Errorf("%w: allow: true or false is required", ErrBadValue))
		}
		if passNode != nil && !isBcrypt(r.password) {
			if !allowPlain {
				return nil, p.errf(passNode, fmt.Errorf("%w: store a bcrypt hash (wrenmq-passwd) or set allow_plaintext: true", ErrPlaintext))
			}
			r.plain = true
		}
		if (passNode != nil || r.scram != nil) && !r.allow {
			return nil, p.errf(item, fmt.Errorf("%w: a deny rule with credentials is never useful", ErrBadValue))
		}
		key := r.who.key()
		if first, ok := seen[key]; ok {
			return nil, p.errf(item, fmt.Errorf("%w rule: same client, username, remote and cert_cn as the rule on line %d, which always wins", ErrDuplicate, first))
		}
		seen[key] = item.Line
		rules = append(rules, r)
	}
	p.rule = ""
	return rules, nil
}

func isBcrypt(s string) bool {
	return len(s) == 60 && (strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$"))
}

func (p *parser) scram(n *yaml.Node) (*SCRAMCredentials, error) {
	c := &SCRAMCredentials{}
	got := 0
	err := p.mapping(n, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "salt":
			c.Salt, err = p.b64(v)
		case "iterations":
			c.Iterations, err = p.integer(v)
			if err == nil && c.Iterations < MinSCRAMIterations {
				err = p.errf(v, fmt.Errorf("%w: scram iterations %d below %d (RFC 7677)", ErrBadValue, c.Iterations, MinSCRAMIterations))
			}
		case "stored_key":
			c.StoredKey, err = p.b64(v)
			if err == nil && len(c.StoredKey) != scramKeyLen {
				err = p.errf(v, fmt.Errorf("%w: stored_key must be %d bytes", ErrBadValue, scramKeyLen))
			}
		case "server_key":
			c.ServerKey, err = p.b64(v)
			if err == nil && len(c.ServerKey) != scramKeyLen {
				err = p.errf(v, fmt.Errorf("%w: server_key must be %d bytes", ErrBadValue, scramKeyLen))
			}
		default:
			return p.errf(k, fmt.Errorf("%w %q (want salt, iterations, stored_key or server_key)", ErrUnknownField, key))
		}
		got++
		return err
	})
	if err != nil {
		return nil, err
	}
	if got != 4 || len(c.Salt) == 0 {
		return nil, p.errf(n, fmt.Errorf("%w: scram needs salt, iterations, stored_key and server_key", ErrBadValue))
	}
	return c, nil
}

func (p *parser) aclRules(n *yaml.Node) ([]aclRule, error) {
	items, err := p.sequence(n, "acl")
	if err != nil {
		return nil, err
	}
	rules := make([]aclRule, 0, len(items))
	seen := map[string]int{}
	for i, item := range items {
		p.rule = fmt.Sprintf("acl rule %d", i+1)
		r := aclRule{line: item.Line}
		var filtersNode *yaml.Node
		err := p.mapping(item, func(key string, k, v *yaml.Node) error {
			if ok, err := p.whoField(&r.who, key, v); ok {
				return err
			}
			if key == "filters" {
				filtersNode = v
				return nil
			}
			return p.errf(k, fmt.Errorf("%w %q (want client, username, remote, cert_cn or filters)", ErrUnknownField, key))
		})
		if err != nil {
			return nil, err
		}
		if filtersNode == nil {
			return nil, p.errf(item, fmt.Errorf("%w: filters is required", ErrBadValue))
		}
		err = p.mapping(filtersNode, func(key string, k, v *yaml.Node) error {
			s, err := p.str(v)
			if err != nil {
				return err
			}
			a, err := parseAccess(s)
			if err != nil {
				return p.errf(v, fmt.Errorf("filter %q: %w", key, err))
			}
			f, err := compileFilter(key)
			if err != nil {
				return p.errf(k, err)
			}
			f.line, f.access = k.Line, a
			r.filters = append(r.filters, f)
			return nil
		})
		if err != nil {
			if errors.Is(err, ErrDuplicate) {
				// mapping reports duplicate keys; say they are filters.
				var pe *ParseError
				if errors.As(err, &pe) {
					pe.Err = fmt.Errorf("filter: %w", pe.Err)
				}
			}
			return nil, err
		}
		if len(r.filters) == 0 {
			return nil, p.errf(filtersNode, fmt.Errorf("%w: filters is empty", ErrBadValue))
		}
		var key strings.Builder
		key.WriteString(r.who.key())
		for _, f := range r.filters {
			fmt.Fprintf(&key, "\x00%s\x00%d", f.raw, f.access)
		}
		if first, ok := seen[key.String()]; ok {
			return nil, p.errf(item, fmt.Errorf("%w rule: repeats the rule on line %d", ErrDuplicate, first))
		}
		seen[key.String()] = item.Line
		rules = append(rules, r)
	}
	p.rule = ""
	return rules, nil
}

// compileFilter validates a rule filter. Placeholders %c and %u may appear
// inside levels; %% is a literal percent sign.
func compileFilter(raw string) (aclFilter, error) {
	f := aclFilter{raw: raw, phLevel: -1}
	if strings.HasPrefix(raw, sharePrefix) {
		return f, fmt.Errorf("%w %q: write the filter without its $share/group/ prefix; shared subscriptions are checked as their filter", ErrBadFilter, raw)
	}
	f.raw = raw
	f.rawLevels = strings.Split(raw, "/")
	f.levels = make([]string, len(f.rawLevels))
	probe := make([]string, len(f.rawLevels))
	for i, l := range f.rawLevels {
		e, ph, err := expandLevel(l, "x", "x")
		if err != nil {
			return f, fmt.Errorf("%w %q: %w", ErrBadFilter, raw, err)
		}
		if ph && f.phLevel < 0 {
			f.phLevel = i
		}
		probe[i] = e
		f.levels[i], _, _ = expandLevel(l, "", "")
	}
	if err := validFilter(strings.Join(probe, "/")); err != nil {
		return f, fmt.Errorf("%w %q: %w", ErrBadFilter, raw, err)
	}
	return f, nil
}

// expandLevel substitutes the placeholders of one filter level and reports
// whether it held any.
func expandLevel(level, clientID, username string) (string, bool, error) {
	if !strings.Contains(level, "%") {
		return level, false, nil
	}
	var b strings.Builder
	ph := false
	for i := 0; i < len(level); i++ {
		if level[i] != '%' {
			b.WriteByte(level[i])
			continue
		}
		if i+1 == len(level) {
			return "", false, errors.New("'%' at the end of a level (write %% for a literal '%')")
		}
		i++
		switch level[i] {
		case 'c':
			b.WriteString(clientID)
			ph = true
		case 'u':
			b.WriteString(username)
			ph = true
		case '%':
			b.WriteByte('%')
		default:
			return "", false, fmt.Errorf("unknown placeholder %%%c (want %%c, %%u or %%%%)", level[i])
		}
	}
	return b.String(), ph, nil
}
