// Package checks defines what a check is: built once from its configuration
// (all parsing and validation there, no I/O), then run many times under a
// context whose deadline it obeys, returning a status and a human reason.
// Each kind lives in its own sub-package (checks/tcp, checks/http, ...);
// checks/registry maps kind names to their factories.
package checks
