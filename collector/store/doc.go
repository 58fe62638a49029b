// Package store keeps what the collector knows: results (idempotent on result
// id), branch descriptors and agents' last contact. Store is the interface;
// sqlite (embedded default) and postgres (scale) implement it, and one
// conformance suite (storetest) runs against both.
package store
