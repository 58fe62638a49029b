// Package record makes, signs and verifies the daily pre-opening record of
// a branch-day: every checklist item with its result and reason at the
// deadline, who confirmed each manual item and when, the verdict and its
// revisions. It is the paper trail audit and regulators ask for.
//
// A record is signed by the collector with Ed25519. The signed bytes are
// the record's canonical encoding without its signature: encoding/json of
// the Record struct (fields in declaration order, no maps, every time in
// UTC as RFC 3339 with nanoseconds, numbers in Go's shortest round-trip
// form), indented with two spaces. The served file is the canonical
// encoding of the whole record, signature included, plus a newline, so a
// verifier re-encodes what it parsed and requires the very same bytes:
// any byte changed either changes the signed content or breaks the
// canonical form, and both are reported as tampering.
package record
