// Package chunk encodes one branch's batch of results as a single value: the
// unit in which both stores keep raw results, one row per branch and batch
// instead of one row per result.
//
// A pre-opening wave brings 400,000 results from 20,000 branches within a
// minute. Stored one row per result, every result paid a statement, three
// b-tree inserts and, on PostgreSQL, sixteen bound arguments; stored as
// chunks, a branch's batch of twenty pays them once. Every read of raw
// results is "this branch (or these branches), started in [from, to)", which
// a chunk row answers from its branch and its first and last start.
//
// The encoding is binary, versioned by its first byte, and written and read
// only by this package (FuzzDecode holds the reader to the writer). Version
// 2, which Append writes, is a version 1 chunk's bytes after its version
// byte compressed as one S2 block (github.com/klauspost/compress/s2): a
// wave's batch of twenty results shrinks from about 2.4 KB, a whole SQLite
// page, to about 0.9 KB. Version 1 chunks, written before, still decode:
//
//	version byte (1, or 2 followed by the S2 block of what follows here)
//	uvarint  number of results
//	per result:
//	  string id, device, check, kind      (uvarint length, bytes)
//	  byte    status (0 ok, 1 degraded, 2 fail, 3 unknown, 4 a string follows)
//	  varint  started_at, Unix nanoseconds, as the difference from the previous result's (the first from 0)
//	  8 bytes duration_ms, IEEE 754, little endian
//	  string  reason
//	  uvarint number of observations, then per observation a string name and 8 bytes value, names sorted
//	  sweep, agent_version: uvarint 0 for "the same as the previous result's" (the first: ""),
//	          else the length plus one, then the bytes
//
// The branch is not in the encoding: it is the chunk row's key.
package chunk
