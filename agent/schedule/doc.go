// Package schedule turns a branch calendar into gocron/v2 jobs: the
// pre-opening sweeps from the configured time before opening, repeated
// until every blocking check passes or the deadline passes, business-hours
// sweeps at an interval while open, and nothing on closed days.
package schedule
