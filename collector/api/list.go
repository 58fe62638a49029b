package api

import (
	"slices"
	"sync"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// The branch list of 20,000 branches is 10 MB of JSON, and a tool waiting
// for a wave to be judged asks for it every few milliseconds. A branch's
// status in the snapshot keeps its pointer until the branch is judged
// again, and of the rest only its local time (by the minute) and its
// agent's silence change with the clock; so each branch's encoding is
// kept without those two values (see piece), and a list joins the kept
// encodings, putting in the local time of the branch's zone (worked out
// once per zone, not per branch) and its silence. The whole list of
// those who see every branch is kept as well, and sent again as long as
// the snapshot, the zones' local times and every agent's silence are
// unchanged. The list is compact JSON: the bytes of json.Marshal of
// {"branches": [...]} and a newline.

// listCache keeps the encodings of the branches of the last snapshot.
type listCache struct {
	mu   sync.Mutex
	snap *readiness.Snapshot
	all  []*readiness.BranchStatus // snap.Statuses()
	// kept are the encodings of all, by index (raw nil: not made yet);
	// zoneOf their branches' zones, indexes in zones.
	kept   []piece
	zoneOf []int
	// zones are the time zones seen, each kept once (zoneIdx).
	zones   []string
	zoneIdx map[string]int
	whole   wholeList
	// scratch is where a status is encoded before it is kept.
	scratch []byte
}

// wholeList is the last list of everyone's branches and what it was made
// with: it holds while they hold.
type wholeList struct {
	snap  *readiness.Snapshot
	local []string // the zones' local times
	// early is the earliest last contact of an agent that was not
	// silent, late the latest of one that was (zero: none).
	early, late store.Contact
	body        []byte
}

// encode returns the list of the branches of snap that p sees, live at
// this moment (Engine.Live): {"branches":[...]} as json.Marshal encodes
// it, and a newline. Lists asked for at once take turns: one made from
// the kept encodings is a copy of them.
func (c *listCache) encode(e *readiness.Engine, snap *readiness.Snapshot, p auth.Person) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap {
		c.follow(snap)
	}
	local := c.localTimes(e)
	sees := p.Covers
	if p.Role.Everywhere() {
		if c.whole.holds(e, snap, local) {
			return c.whole.body, nil
		}
		sees = nil
	}
	size, err := c.encodeSeen(sees, local)
	if err != nil {
		return nil, err
	}
	w := wholeList{snap: snap, local: local}
	w.body = c.join(e, sees, local, size, &w)
	if sees == nil {
		c.whole = w
	}
	return w.body, nil
}

// encodeSeen encodes the branches sees keeps (nil: all) that are not yet
// and returns the size of their list, so that the list is allocated once
// (one grown by doubling copied 10 MB more).
func (c *listCache) encodeSeen(sees func(id, region string) bool, local []string) (int, error) {
	size := len(`{"branches":[]}`) + 1
	for i, b := range c.all {
		if sees != nil && !sees(b.ID, b.Region) {
			continue
		}
		it := &c.kept[i]
		if it.raw == nil {
			var err error
			if c.scratch, err = c.encodeInto(it, b); err != nil {
				return 0, err
			}
		}
		size += len(it.raw) + len(`,"",false`) + max(len(local[c.zoneOf[i]]), len(b.LocalTime))
	}
	return size, nil
}

// join makes the list of the branches sees keeps (nil: all) from their
// encodings, noting the agents' silence in w.
func (c *listCache) join(e *readiness.Engine, sees func(id, region string) bool, local []string, size int, w *wholeList) []byte {
	buf := make([]byte, 0, size)
	buf = append(buf, `{"branches":[`...)
	n := 0
	for i, b := range c.all {
		if sees != nil && !sees(b.ID, b.Region) {
			continue
		}
		it := &c.kept[i]
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = append(buf, it.raw[:it.local]...)
		if l := local[c.zoneOf[i]]; l != "" {
			buf = appendString(buf, l)
		} else { // a zone that does not load: the snapshot's local time
			buf = appendString(buf, b.LocalTime)
		}
		buf = append(buf, it.raw[it.local:it.silent]...)
		silent := e.Silent(b.Contact)
		w.note(b.Contact, silent)
		buf = appendBool(buf, silent)
		buf = append(buf, it.raw[it.silent:]...)
	}
	return append(buf, "]}\n"...)
}

// encodeInto encodes b into it, through c.scratch: a piece gets a copy
// of its own size.
func (c *listCache) encodeInto(it *piece, b *readiness.BranchStatus) ([]byte, error) {
	p, err := encodeStatus(b, c.scratch[:0])
	if err != nil {
		return p.raw, err
	}
	*it = piece{raw: slices.Clone(p.raw), local: p.local, silent: p.silent}
	return p.raw, nil
}

// follow moves the cache to snap, keeping the encodings of the branches
// whose status is the same pointer in it.
func (c *listCache) follow(snap *readiness.Snapshot) {
	all := snap.Statuses()
	kept, zoneOf := make([]piece, len(all)), make([]int, len(all))
	// The branches are the same at the same indexes, unless one came or
	// went: then the kept encodings are found by pointer.
	var byPtr map[*readiness.BranchStatus]int
	if len(all) != len(c.all) {
		byPtr = make(map[*readiness.BranchStatus]int, len(c.all))
		for i, b := range c.all {
			byPtr[b] = i
		}
	}
	for i, b := range all {
		j := i
		if byPtr != nil {
			var ok bool
			if j, ok = byPtr[b]; !ok {
				j = -1
			}
		}
		if j >= 0 && j < len(c.all) && c.all[j] == b {
			kept[i], zoneOf[i] = c.kept[j], c.zoneOf[j]
			continue
		}
		zoneOf[i] = c.zone(b.Timezone)
	}
	c.snap, c.all, c.kept, c.zoneOf = snap, all, kept, zoneOf
}

// zone is the index of time zone tz in c.zones, added if new.
func (c *listCache) zone(tz string) int {
	if i, ok := c.zoneIdx[tz]; ok {
		return i
	}
	if c.zoneIdx == nil {
		c.zoneIdx = map[string]int{}
	}
	c.zoneIdx[tz] = len(c.zones)
	c.zones = append(c.zones, tz)
	return len(c.zones) - 1
}

// localTimes are the local times of c.zones now, as Engine.Live gives
// them; "" for a zone that does not load (Live then leaves a status's
// own).
func (c *listCache) localTimes(e *readiness.Engine) []string {
	out := make([]string, len(c.zones))
	for i, tz := range c.zones {
		out[i] = e.Live(&readiness.BranchStatus{Timezone: tz}).LocalTime
	}
	return out
}

// note widens the silence bounds of w with a branch's contact.
func (w *wholeList) note(c store.Contact, silent bool) {
	switch {
	case c.At.IsZero(): // silent whatever the time
	case silent && (w.late.At.IsZero() || c.At.After(w.late.At)):
		w.late = c
	case !silent && (w.early.At.IsZero() || c.At.Before(w.early.At)):
		w.early = c
	}
}

// holds reports whether w is still the list at this moment: the same
// snapshot and local times, and no agent's silence changed. An agent
// falls silent when its last contact gets too old; the first to do so is
// the one with the earliest contact of those that were not (and, should
// the clock go back, the first to speak again the latest of the silent).
func (w *wholeList) holds(e *readiness.Engine, snap *readiness.Snapshot, local []string) bool {
	return w.body != nil && w.snap == snap && slices.Equal(w.local, local) &&
		(w.early.At.IsZero() || !e.Silent(w.early)) && (w.late.At.IsZero() || e.Silent(w.late))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendString(b []byte, s string) []byte {
	w := jsonw{b: b}
	w.str(s)
	return w.b
}
