// Package admin is the agent's local HTTP surface, on loopback by default:
// /status (what `branchready-agent status` prints), /metrics for
// Prometheus, and POST /-/reload.
package admin
