// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package authledger

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The ledger keeps its own small topic helpers rather than calling codec's:
// the subscription analysis needs the filters split into levels anyway, and
// the semantics below are the ones the analysis in subscribe.go is proven
// against (property test), whatever the codec's helpers do for speed.

const sharePrefix = "$share/"

var errEmptyTopic = errors.New("empty")

// validFilter reports why s is not a valid MQTT topic filter [MQTT-4.7.1-1]
// [MQTT-4.7.1-2] [MQTT-4.7.3-1] [MQTT-4.7.3-2], or nil.
func validFilter(s string) error {
	if s == "" {
		return errEmptyTopic // [MQTT-4.7.3-1]
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return errors.New("not valid UTF-8 or contains U+0000") // [MQTT-4.7.3-2]
	}
	levels := strings.Split(s, "/")
	for i, l := range levels {
		switch {
		case l == "#":
			if i != len(levels)-1 {
				return errors.New("'#' is not the last level") // [MQTT-4.7.1-1]
			}
		case l == "+":
		case strings.ContainsAny(l, "+#"):
			return fmt.Errorf("level %q mixes a wildcard with other characters", l) // [MQTT-4.7.1-2]
		}
	}
	return nil
}

// validTopicName reports why s is not a valid topic name for PUBLISH, or nil.
func validTopicName(s string) error {
	if s == "" {
		return errEmptyTopic // [MQTT-4.7.3-1]
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return errors.New("not valid UTF-8 or contains U+0000") // [MQTT-4.7.3-2]
	}
	if strings.ContainsAny(s, "+#") {
		return errors.New("wildcard in a topic name") // [MQTT-3.3.2-2]
	}
	return nil
}

// splitShared separates a shared subscription "$share/{group}/{filter}"
// (section 4.8.2). shared is false for an ordinary filter.
func splitShared(s string) (filter string, shared bool, err error) {
	if !strings.HasPrefix(s, sharePrefix) {
		return s, false, nil
	}
	rest := s[len(sharePrefix):]
	group, f, ok := strings.Cut(rest, "/")
	if !ok || group == "" || f == "" {
		return "", true, fmt.Errorf("shared subscription %q needs a group and a filter", s)
	}
	if strings.ContainsAny(group, "+#") {
		return "", true, fmt.Errorf("share name %q contains a wildcard", group) // [MQTT-4.8.2-2]
	}
	return f, true, nil
}

// matchLevels reports whether the filter levels match the topic levels,
// following section 4.7: '+' matches one level, a trailing '#' the parent
// and any number of child levels, and neither matches a first level that
// starts with '$' [MQTT-4.7.2-1].
func matchLevels(filter, topic []string) bool {
	if len(topic) > 0 && strings.HasPrefix(topic[0], "$") && len(filter) > 0 &&
		(filter[0] == "+" || filter[0] == "#") {
		return false // [MQTT-4.7.2-1]
	}
	for i, f := range filter {
		if f == "#" {
			return true // [MQTT-4.7.1-1]: also matches the parent level
		}
		if i >= len(topic) {
			return false
		}
		if f != "+" && f != topic[i] {
			return false
		}
	}
	return len(filter) == len(topic)
}
