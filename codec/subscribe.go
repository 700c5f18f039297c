// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package codec

// Subscribe is the SUBSCRIBE packet (section 3.8). Its fixed header flags
// must be 0b0010.
type Subscribe struct {
	PacketID   uint16
	Properties Properties
	// Subscriptions is never empty in a valid packet.
	Subscriptions []Subscription
}

// Subscription is one topic filter of a SUBSCRIBE packet with its options.
type Subscription struct {
	// Filter is the topic filter, possibly a shared one ("$share/group/filter").
	Filter string
	// QoS is the maximum QoS the client wants for this subscription.
	QoS QoS
	// NoLocal (v5): do not send messages published by this client back to it.
	NoLocal bool
	// RetainAsPublished (v5): keep the RETAIN flag of forwarded messages.
	RetainAsPublished bool
	// RetainHandling (v5): 0 send retained messages on subscribe, 1 only
	// if the subscription is new, 2 never.
	RetainHandling byte
}
