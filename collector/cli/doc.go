// Package cli is the branchready-collector command line: serve, demo,
// loadgen, token and hash-password. cmd/branchready-collector only calls Main.
package cli
