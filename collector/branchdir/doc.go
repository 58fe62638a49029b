// Package branchdir is a collector's branch directory: every branch's last
// contact and decoded descriptor, held in memory and shared by the
// readiness engine and the alert engine.
//
// During a pre-opening wave both engines used to list every branch's
// contact from the store a few times a second and decode its heartbeat
// JSON, and to read and decode descriptors again; at 20,000 branches that
// was about a quarter of the collector's CPU. The directory instead learns
// what this collector's ingest stored from ingest itself (Stored: the
// decoded descriptor and the contact, no store read, no JSON), and reads
// from the store only what other writers changed (Sync: the contacts
// changed since shortly before the newest one it has seen), with a full
// listing at start and every few minutes as a safety net; alone on its
// store (SQLite), it reads nothing between full listings, since every
// change is ingest's own. A descriptor is decoded again only when its
// branch's config hash changes.
//
// The directory records which branches changed (Changes, from a Cursor),
// so that the readiness engine judges those instead of walking every
// branch at each refresh.
//
// The branches the directory hands out share their descriptors and
// heartbeats with it and with each other: callers must not change them.
package branchdir
