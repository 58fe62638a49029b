package cli

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the collector's GOGC unless the environment sets
// one (GOGC, or GOMEMLIMIT for a soft memory limit; docs/operations.md).
// In a pre-opening wave nearly everything the collector allocates (decoded
// batches, statement arguments, rendered board pages) is garbage within
// the request, while the live heap (branch descriptors, contacts, the
// readiness and alert state of every branch) is large: at Go's default of
// 100 the collector collected several times a second, marking that whole
// live heap each time. A higher GOGC trades peak memory for fewer cycles:
// 400, as the agent runs, against 200 took about a CPU-second and a second
// off each round of a 20,000-branch wave on PostgreSQL for about a fifth
// more peak memory (1.8 against 1.5 GiB); the figures are in BENCHMARKS.md,
// "Eighth pass".
const DefaultGCPercent = 400

// tuneGC applies DefaultGCPercent unless GOGC is set in the environment
// (lookup is os.LookupEnv), and returns the GOGC now in force.
func tuneGC(lookup func(string) (string, bool)) int {
	if _, set := lookup("GOGC"); set {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(DefaultGCPercent)
	return DefaultGCPercent
}

// tuneServeGC is tuneGC on the process's environment, for serve.
func tuneServeGC() { tuneGC(os.LookupEnv) }
