// Package runner runs a sweep: every compiled check at once within a
// concurrency bound, each under its own deadline, turning outcomes (and
// panics) into results.
package runner
