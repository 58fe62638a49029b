// Package demo runs the whole product on one machine with nothing to set up:
// a collector on a temporary SQLite store, and simulated branches in several
// time zones whose agents check simulated devices (TCP and HTTP servers on
// loopback), some of them failing, some recovering, one waiting for a staff
// confirmation.
package demo
