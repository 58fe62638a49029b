// Package jsonenc appends JSON by hand, byte for byte as encoding/json
// writes it, for the few values the collector encodes on every result or
// message (heartbeat observations, outbox messages, incidents), where
// encoding/json's reflection cost more than the rest of storing them. The
// callers' tests hold each encoder to json.Marshal's bytes.
package jsonenc
