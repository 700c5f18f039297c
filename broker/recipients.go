// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

import "slices"

// selectRecipients runs the OnSelectSubscribers hooks over the targets of
// one routing pass, with no lock held, and returns the targets to deliver
// to: a fresh slice, so that tg (on route's stack) never escapes.
func (s *Server) selectRecipients(cl *ClientInfo, m *message, tg []target) []target {
	cl = s.hookClient(cl)
	list := recipientsOf(tg)
	for i, h := range s.hooks.selectSubs {
		in := list
		if i > 0 {
			// A panicking hook may have half-filtered its list in
			// place; the next one gets this copy's original.
			in = slices.Clone(list)
		}
		out, ok := s.hooks.selectSubscribersOne(h, cl, &m.pub, in)
		switch {
		case ok:
			list = out
		case i == 0:
			list = recipientsOf(tg)
		}
	}
	return chosenTargets(tg, list)
}

// recipientsOf lists the targets as Recipients, each knowing its target.
// The subscription identifiers are copies (in one array), so that a hook
// writing to them cannot change what is sent.
func recipientsOf(tg []target) []Recipient {
	rs := make([]Recipient, len(tg))
	nIDs := 0
	for i := range tg {
		nIDs += len(tg[i].subIDs)
	}
	var ids []uint32
	if nIDs > 0 {
		ids = make([]uint32, 0, nIDs)
	}
	for i := range tg {
		t := &tg[i]
		rs[i] = Recipient{ClientID: t.sess.id, QoS: t.qos, Retain: t.retain, Shared: t.share != (shareRef{}), ref: i + 1}
		if k := len(t.subIDs); k > 0 {
			ids = append(ids, t.subIDs...)
			rs[i].SubscriptionIDs = ids[len(ids)-k : len(ids) : len(ids)]
		}
	}
	return rs
}

// chosenTargets maps the recipients a hook returned back to targets, in
// the hook's order. A recipient is its own target when the hook kept it;
// one the hook built (or whose ClientID it changed) takes the first
// target of its client not yet taken; one with no such target is ignored.
// The hook can only lower a target's QoS and clear its retain flag.
func chosenTargets(tg []target, rs []Recipient) []target {
	out := make([]target, 0, min(len(rs), len(tg)))
	var (
		arr   [64]bool
		taken []bool
	)
	if len(tg) <= len(arr) {
		taken = arr[:len(tg)]
	} else {
		taken = make([]bool, len(tg))
	}
	for i := range rs {
		r := &rs[i]
		j := r.ref - 1
		if j < 0 || j >= len(tg) || taken[j] || tg[j].sess.id != r.ClientID {
			// Hook-built recipients cost a scan each; kept ones do not.
			j = -1
			for k := range tg {
				if !taken[k] && tg[k].sess.id == r.ClientID {
					j = k
					break
				}
			}
			if j < 0 {
				continue
			}
		}
		taken[j] = true
		t := tg[j]
		t.qos = min(t.qos, r.QoS)
		t.retain = t.retain && r.Retain
		out = append(out, t)
	}
	return out
}
