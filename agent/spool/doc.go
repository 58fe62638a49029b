// Package spool is the agent's durable queue of results waiting to be
// shipped: "the agent never loses a result".
//
// The spool is a bbolt file in the agent's state directory. Put returns only
// after the results are committed and fsynced, so a power cut or kill -9 at
// any moment loses nothing that Put acknowledged, and the file always opens
// cleanly again. Results leave the spool only when the collector has stored
// them (Ack), rejected them for good (Drop) or when the spool is full.
//
// Shipping order. Every result sits in one of three lanes chosen by the
// caller's Priority: readiness (pre-opening sweeps), normal, informational.
// A result is fresh while it was put less than Options.FreshFor ago (15
// minutes by default); readiness results stay fresh for
// Options.ReadinessFreshFor (12 hours by default, the current readiness
// window). Next returns fresh results first, lane by lane (readiness, normal,
// informational), oldest first within a lane, and then the backlog oldest
// first across all lanes. So after a WAN outage of days, this morning's
// readiness and the last minutes' results reach the collector before the
// days-old backlog, which then drains in the order it happened.
//
// Bound. When a Put would take the spool over Options.MaxBytes (the bytes of
// keys and values, not the file size: bbolt reuses freed pages but never
// shrinks the file), the oldest informational results are dropped first,
// then the oldest normal ones, then the oldest readiness ones. Every drop is
// counted in a persisted counter by reason (see Dropped) and logged as a
// rate-limited warning. A full disk is an error from Put; the spool stays
// usable and the caller carries on.
package spool
