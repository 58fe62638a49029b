// Package loadgen measures the collector's ingest over real HTTP on
// loopback: it starts two in-process collectors, one storing into SQLite
// and one that decodes and discards, posts the same number of result
// batches from many branches to each, and prints both rates and their ratio.
package loadgen
