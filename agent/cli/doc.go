// Package cli is the branchready-agent command line: validate, check, run,
// confirm and the service commands. cmd/branchready-agent only calls Main.
package cli
