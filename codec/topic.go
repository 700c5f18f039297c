// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

import (
	"errors"
	"strings"
	"unicode/utf8"
)

var (
	errEmptyFilter   = errors.New("empty topic filter")
	errMultiLevel    = errors.New("'#' must be the last character and alone in its level")
	errSingleLevel   = errors.New("'+' must be alone in its level")
	errShareGroup    = errors.New("invalid shared subscription group")
	errShareNoFilter = errors.New("shared subscription without topic filter")
)

// sharePrefix starts a shared subscription filter (section 4.8.2).
const sharePrefix = "$share/"

const (
	topicOK = iota
	topicBadUTF8
	topicWildcard
)

// checkTopicName classifies a topic name body in one pass: ASCII is
// checked byte by byte, anything else falls back to utf8.Valid.
func checkTopicName(b []byte) int {
	res := topicOK
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= utf8.RuneSelf:
			if !utf8.Valid(b[i:]) {
				return topicBadUTF8
			}
			for _, c := range b[i:] {
				switch c {
				case 0:
					return topicBadUTF8
				case '+', '#':
					res = topicWildcard
				}
			}
			return res
		case c == 0:
			return topicBadUTF8
		case c == '+' || c == '#':
			res = topicWildcard
		}
	}
	return res
}

// ValidateTopicName reports whether s is a valid topic name: non-empty
// [MQTT-4.7.3-1], at most 65,535 bytes, valid MQTT UTF-8 [MQTT-1.5.4-1]
// [MQTT-1.5.4-2] and without the wildcards '+' and '#' [MQTT-3.3.2-2]
// [MQTT-4.7.0-1]. The error is an *Error with code TopicNameInvalid (0x90).
func ValidateTopicName(s string) error {
	fail := func(err error) error {
		return &Error{Field: "topic name", Code: TopicNameInvalid, Err: err}
	}
	switch {
	case s == "":
		return fail(errEmptyTopic)
	case len(s) > 65535:
		return fail(errTooLong)
	case !validUTF8String(s):
		return fail(errBadUTF8)
	case strings.ContainsAny(s, "+#"):
		return fail(errWildcard)
	}
	return nil
}

// ValidateTopicFilter reports whether s is a valid topic filter: non-empty
// [MQTT-4.7.3-1], at most 65,535 bytes, valid MQTT UTF-8, '#' only as the
// whole last level [MQTT-4.7.1-1] and '+' only as a whole level
// [MQTT-4.7.1-2]. A shared filter "$share/{group}/{filter}" needs a
// non-empty group without '/', '+' or '#' [MQTT-4.8.2-1] [MQTT-4.8.2-2] and
// a valid filter. The error is an *Error with code TopicFilterInvalid
// (0x8F).
func ValidateTopicFilter(s string) error {
	_, f, _, err := ParseShared(s)
	if err != nil {
		return err
	}
	return validateFilter(f)
}

func validateFilter(s string) error {
	fail := func(err error) error {
		return &Error{Field: "topic filter", Code: TopicFilterInvalid, Err: err}
	}
	switch {
	case s == "":
		return fail(errEmptyFilter)
	case len(s) > 65535:
		return fail(errTooLong)
	case !validUTF8String(s):
		return fail(errBadUTF8)
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '#':
			if i != len(s)-1 || (i > 0 && s[i-1] != '/') {
				return fail(errMultiLevel)
			}
		case '+':
			if (i > 0 && s[i-1] != '/') || (i < len(s)-1 && s[i+1] != '/') {
				return fail(errSingleLevel)
			}
		}
	}
	return nil
}

// ParseShared splits a shared subscription filter "$share/{group}/{filter}"
// into its share name and topic filter. For a filter that does not start
// with "$share/" it returns ("", filter, false, nil) without validating
// it. A malformed shared filter (empty group, group containing '+' or '#',
// missing or empty filter) gives an *Error with code TopicFilterInvalid;
// the topic filter part itself is not validated.
func ParseShared(filter string) (group, topicFilter string, shared bool, err error) {
	if !strings.HasPrefix(filter, sharePrefix) {
		return "", filter, false, nil
	}
	rest := filter[len(sharePrefix):]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "", "", true, &Error{Field: "topic filter", Code: TopicFilterInvalid, Err: errShareNoFilter}
	}
	group, topicFilter = rest[:i], rest[i+1:]
	if group == "" || strings.ContainsAny(group, "+#") {
		return "", "", true, &Error{Field: "topic filter", Code: TopicFilterInvalid, Err: errShareGroup}
	}
	if topicFilter == "" {
		return "", "", true, &Error{Field: "topic filter", Code: TopicFilterInvalid, Err: errShareNoFilter}
	}
	return group, topicFilter, true, nil
}

// MatchTopic reports whether topic name topic matches topic filter
// filter. '+' matches exactly one level and '#' any number of levels
// including the parent ("sport/#" matches "sport") [MQTT-4.7.1-2]. A
// filter starting with a wildcard does not match a topic starting with '$'
// [MQTT-4.7.2-1]. The filter is matched literally: pass the topic filter
// part of a shared subscription (see ParseShared). It does not allocate.
func MatchTopic(filter, topic string) bool {
	if len(topic) > 0 && topic[0] == '$' && len(filter) > 0 && (filter[0] == '+' || filter[0] == '#') {
		return false
	}
	for {
		fe := strings.IndexByte(filter, '/')
		if fe < 0 {
			fe = len(filter)
		}
		fl := filter[:fe]
		if fl == "#" {
			return true
		}
		te := strings.IndexByte(topic, '/')
		if te < 0 {
			te = len(topic)
		}
		if fl != "+" && fl != topic[:te] {
			return false
		}
		switch {
		case fe == len(filter):
			return te == len(topic)
		case te == len(topic):
			// The topic has no more levels: only a trailing "/#" matches.
			return filter[fe+1:] == "#"
		}
		filter, topic = filter[fe+1:], topic[te+1:]
	}
}
