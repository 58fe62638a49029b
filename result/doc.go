// Package result is the contract between agent and collector: one check
// result, the batch an agent ships, and the branch descriptor that tells the
// collector what the branch expects to be checked and when.
package result
