// Package agent is the branch-side service: it loads the branch
// configuration, compiles its checks, runs sweeps on the calendar's
// schedule, keeps every result in a durable spool and ships it to the
// collector. The command line lives in agent/cli, the parts in
// sub-packages (runner, schedule, spool, shipper).
package agent
