// Package runner runs a sweep: every compiled check on a pool of workers
// that grows, up to a concurrency bound, as slow checks hold them, each
// check under its own deadline, turning outcomes (and panics) into results.
package runner
