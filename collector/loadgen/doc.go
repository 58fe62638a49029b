// Package loadgen measures the collector over real HTTP on loopback, the
// way agents and operators use it.
//
// Run (loadgen) compares ingest into SQLite with a collector that decodes
// and discards the same batches, in interleaved rounds, and reports the
// median ratio: the store's cost on the write path alone.
//
// RunWave (loadgen --wave) measures a pre-opening wave end to end against
// a real collector process: branches imported from a CSV file with their
// own tokens, each sending its descriptor and 20 results at once, with a
// fake Slack receiving the alerts and an operator reading the board. It
// reports how long the wave takes to be absorbed and judged, the board's
// and the notifications' latencies during it, and the collector's memory
// and CPU, and fails when a result is lost or a verdict is wrong.
package loadgen
