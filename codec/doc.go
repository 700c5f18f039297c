// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

// Package codec encodes, decodes and validates every MQTT control packet of
// protocol levels 3 (MQTT v3.1), 4 (v3.1.1) and 5 (v5.0).
//
// The package has no dependencies outside the standard library. It offers
// three layers:
//
//   - [ParseHeader] and [Reader] split a byte stream into frames, rejecting a
//     frame larger than a configured maximum before its body is read;
//   - [Decode] turns one frame into a typed [Packet] (*[Connect], *[Publish],
//     ...), validating every malformed form the specifications define and
//     returning an [*Error] that names the field and carries the v5 reason
//     code;
//   - [Append] and [Encoder] encode a packet into a caller-supplied buffer.
//
// Byte slices in decoded packets (payloads, correlation and authentication
// data, passwords) alias the frame body they were decoded from; strings are
// always copies. Callers that keep a packet beyond the life of the frame
// buffer must copy those slices (see [Publish.Clone]).
//
// Topic names and filters have their own helpers: [ValidateTopicName],
// [ValidateTopicFilter], [MatchTopic] and [ParseShared].
package codec
