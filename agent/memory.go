package agent

import (
	"os"
	"runtime/debug"
)

// releaseMemory collects garbage and returns the free heap to the operating
// system at once. A sweep of a big branch (hundreds of checks, as many in
// flight) and the batch that ships it leave several MiB of heap free that
// the Go runtime would otherwise keep resident for minutes; between sweeps
// the agent has nothing to do, so it pays one collection of a small live
// heap (a few ms) per sweep to keep its idle footprint small (issue 11: at
// most 20 MiB resident with 500 checks).
func releaseMemory() { debug.FreeOSMemory() }

// DefaultGCPercent is the agent's GOGC unless the environment sets one.
// The live heap is small (4-5 MB with 500 checks) and nearly everything a
// sweep allocates is garbage by its end: at Go's default of 100 a sweep of
// 500 HTTPS probes collected every hundred probes or so, each time scanning
// the stacks of every check in flight, about a fifth of the agent's CPU.
// At 400 the sweep's peak heap grows by a few MB, and releaseMemory gives
// it back once the results are shipped, so the idle footprint is the same.
const DefaultGCPercent = 400

// tuneGC applies DefaultGCPercent unless GOGC is set.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
