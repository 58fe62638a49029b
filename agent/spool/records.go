package spool

import (
	"bytes"
	"encoding/json"

	"github.com/branchready/branchready/result"
)

// Record is a spooled result as it ships: its id and its JSON encoding
// (json.Marshal of a result.Result by this build).
type Record struct {
	ID   string
	JSON []byte
}

// NextRecords is Next for a shipper that sends results as they are stored:
// the same results in the same order, each as its JSON. A record this
// process put is passed on as stored, its id read from the start of the
// JSON, so a sweep of 500 results is not decoded and encoded again to ship
// (issue 11, CPU per probe); one put before (by an earlier run, perhaps an
// older build, whose fields may differ) is decoded and re-encoded by this
// build as before, so what ships always has today's shape.
func (s *Spool) NextRecords(n int) ([]Record, error) {
	return next(s, n, s.record)
}

// record copies one stored record out of the transaction; false means it
// does not decode.
func (s *Spool) record(k, v []byte) (Record, bool) {
	if keySeq(k) > s.openSeq && json.Valid(v) {
		// Still checked: a record that no longer parses is dropped as
		// corrupt here, as Next drops it, not sent to be refused.
		if id, ok := leadingID(v); ok {
			return Record{ID: id, JSON: bytes.Clone(v)}, true
		}
	}
	var r result.Result
	if json.Unmarshal(v, &r) != nil || r.ID == "" {
		return Record{}, false
	}
	b, err := result.AppendJSON(nil, &r)
	if err != nil {
		return Record{}, false
	}
	return Record{ID: r.ID, JSON: b}, true
}

// idPrefix starts every record json.Marshal writes: ID is Result's first
// field.
var idPrefix = []byte(`{"id":"`)

// leadingID reads the id at the start of a record written by this build,
// or reports false for anything else (an escape in it, another shape).
func leadingID(v []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(v, idPrefix)
	if !ok {
		return "", false
	}
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 || v[len(v)-1] != '}' {
		return "", false
	}
	return string(rest[:end]), true
}
