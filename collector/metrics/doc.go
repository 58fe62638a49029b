// Package metrics defines the collector's Prometheus metrics, registered on
// a registry the collector owns (no global state).
package metrics
