// Package ingest is the collector's write API for agents:
// POST /api/v1/results takes a batch of results from one branch's agent,
// authenticated by the branch token, and stores the good items even when
// others in the same batch are malformed.
package ingest
