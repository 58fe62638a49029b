package api

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
)

// The branch list of 20,000 branches, each with its devices and checks,
// took some 100 ms of CPU to encode, and a tool waiting for a wave to be
// judged asks for it again and again. A branch's status in the snapshot
// keeps its pointer until the branch is judged again, and of the rest only
// its local time (by the minute) and its agent's silence change with the
// clock; so each branch's encoding is kept, indented as the list holds
// it, while those are unchanged, and a list joins them. The bytes are
// those writeJSON writes for the same list.

// listItem is one branch's encoding and what it was made with.
type listItem struct {
	local  string
	silent bool
	raw    []byte
}

// listCache keeps the encodings of the branches of one snapshot.
type listCache struct {
	mu   sync.Mutex
	snap *readiness.Snapshot
	m    map[*readiness.BranchStatus]listItem
}

// encode returns the list of the branches of snap that p sees, live at
// this moment (Engine.Live), as writeJSON encodes {"branches": [...]}.
// Lists asked for at once take turns: each is a few milliseconds once the
// encodings are kept.
func (c *listCache) encode(e *readiness.Engine, snap *readiness.Snapshot, p auth.Person) ([]byte, error) {
	all := snap.Statuses()
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m
	if c.snap != snap {
		// The new map holds only this snapshot's pointers: the encodings
		// of the branches judged again are dropped.
		c.snap, c.m = snap, make(map[*readiness.BranchStatus]listItem, len(all))
	}
	var buf bytes.Buffer
	buf.WriteString("{\n  \"branches\": [")
	n := 0
	for _, b := range all {
		if !p.Covers(b.ID, b.Region) {
			continue
		}
		s := e.Live(b)
		it, ok := old[b]
		if !ok || it.local != s.LocalTime || it.silent != s.Silent {
			raw, err := json.MarshalIndent(s, "    ", "  ")
			if err != nil {
				return nil, err
			}
			it = listItem{local: s.LocalTime, silent: s.Silent, raw: raw}
		}
		c.m[b] = it
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(it.raw)
		n++
	}
	if n > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]\n}\n")
	return buf.Bytes(), nil
}
