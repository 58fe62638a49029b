// Package collector is the central service: it ingests results from branch
// agents, judges each branch-day's readiness, and serves the board, the JSON
// API and Prometheus metrics. Run wires the parts; each lives in its own
// sub-package (ingest, readiness, api, board, store, auth, metrics).
package collector
