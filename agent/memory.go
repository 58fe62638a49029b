package agent

import (
	"os"
	"runtime/debug"
	"time"
)

// releaseMemory collects garbage and returns the free heap to the operating
// system at once. A sweep of a big branch (hundreds of checks, as many in
// flight) and the batch that ships it leave several MiB of heap free that
// the Go runtime would otherwise keep resident for minutes; between sweeps
// the agent has nothing to do, so it pays one collection of a small live
// heap (a few ms) per sweep to keep its idle footprint small (issue 11: at
// most 20 MiB resident with 500 checks).
func releaseMemory() { debug.FreeOSMemory() }

// KeepMemoryWithin is how soon the next sweep must start for the agent to
// keep the memory a sweep used rather than return it (see keepMemory).
const KeepMemoryWithin = time.Minute

// keepMemory reports whether the heap a sweep freed should stay with the
// agent because the next sweep, at next, starts within KeepMemoryWithin of
// now. Returning it costs more than the collection: every page given back
// is faulted in again by the next sweep. With 500 checks swept every 30 s
// that was 10-12 ms of CPU per sweep, a sixth of the agent's CPU on TCP
// probes (issue 11, CPU per probe against blackbox_exporter), to be idle
// for less than 30 s. Between sweeps further apart (the pre-opening sweep
// and opening, a business interval of minutes, the night) the memory is
// returned as before, so the idle footprint is the same.
func keepMemory(next, now time.Time) bool {
	return !next.IsZero() && next.Sub(now) < KeepMemoryWithin
}

// releaseMemoryUnlessSoon is releaseMemory unless the next planned sweep
// starts soon enough to reuse the memory (keepMemory).
func (a *agentState) releaseMemoryUnlessSoon() {
	a.mu.Lock()
	sched := a.sched
	a.mu.Unlock()
	if sched != nil && keepMemory(sched.Next().At, a.now()) {
		return
	}
	releaseMemory()
}

// DefaultGCPercent is the agent's GOGC unless the environment sets one.
// The live heap is small (4-5 MB with 500 checks) and nearly everything a
// sweep allocates is garbage by its end: at Go's default of 100 a sweep of
// 500 HTTPS probes collected every hundred probes or so, each time scanning
// the stacks of every check in flight, about a fifth of the agent's CPU.
// At 400 the sweep's peak heap grows by a few MB, and releaseMemory gives
// it back once the results are shipped (unless the next sweep is less than
// KeepMemoryWithin away), so the idle footprint is the same.
const DefaultGCPercent = 400

// tuneGC applies DefaultGCPercent unless GOGC is set.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
