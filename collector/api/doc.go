// Package api is the collector's read API in JSON: branches and their
// readiness today or on a given date.
package api
