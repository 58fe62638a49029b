package readiness

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// Attention is the order in which the board lists verdicts: those needing
// attention first.
var Attention = []Verdict{NotReady, Unknown, ReadyDegraded, Ready, Maintenance, Closed}

// Snapshot is today's judgement of every branch at one moment, immutable
// once published: the board, the API and the metrics read it without
// judging anything. It keeps the branches by id and in board order (by
// Attention, then id), overall and per region. A snapshot made from the
// last one by judging a few branches again shares what they leave alone
// (see update), so that a refresh costs little more than its branches.
type Snapshot struct {
	// At is when the snapshot was made.
	At      time.Time
	entries []*entry // by id: found by binary search (see index)
	order   []*BranchStatus
	regions map[string][]*BranchStatus // board order
	names   []string                   // regions, sorted
	counts  map[Verdict]int
	// next is the earliest moment the clock alone changes a judgement.
	next time.Time
}

// entry is a branch's status today and until when the clock alone leaves
// it unchanged.
type entry struct {
	status BranchStatus
	until  time.Time
}

func newSnapshot(entries []*entry, at time.Time) *Snapshot {
	s := &Snapshot{At: at, entries: entries, regions: map[string][]*BranchStatus{}, counts: map[Verdict]int{}}
	// ranks are the entries' places in Attention (see rankOf), by index:
	// ordering reads them instead of every entry's verdict.
	ranks := make([]uint8, len(entries))
	members := map[string][]int{} // indexes in entries of each region's branches
	for i, en := range entries {
		ranks[i] = rankOf(en.status.Judgement.Verdict)
		s.counts[en.status.Judgement.Verdict]++
		if r := en.status.Region; r != "" {
			members[r] = append(members[r], i)
		}
		if s.next.IsZero() || en.until.Before(s.next) {
			s.next = en.until
		}
	}
	s.order = boardOrder(entries, ranks, nil)
	for r, idx := range members {
		s.regions[r] = boardOrder(entries, ranks, idx)
		s.names = append(s.names, r)
	}
	slices.Sort(s.names)
	return s
}

// rankOf is a verdict's place in Attention; an unheard-of verdict needs
// attention first.
func rankOf(v Verdict) uint8 {
	return uint8(max(0, slices.Index(Attention, v)))
}

// boardOrder is the entries at indexes idx (nil: all) in board order:
// by Attention (ranks, by index), then by id as entries are.
func boardOrder(entries []*entry, ranks []uint8, idx []int) []*BranchStatus {
	n := len(entries)
	if idx != nil {
		n = len(idx)
	}
	start := make([]int, len(Attention)+1)
	for k := range n {
		i := k
		if idx != nil {
			i = idx[k]
		}
		start[ranks[i]+1]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	out := make([]*BranchStatus, n)
	for k := range n {
		i := k
		if idx != nil {
			i = idx[k]
		}
		r := ranks[i]
		out[start[r]] = &entries[i].status
		start[r]++
	}
	return out
}

// update is the snapshot with the entries at indexes changed replaced by
// those of entries (the same branches at the same indexes as s's); other
// branches make a new snapshot from scratch. See with.
func (s *Snapshot) update(entries []*entry, changed []int, at time.Time) *Snapshot {
	if s == nil || len(entries) != len(s.entries) {
		return newSnapshot(entries, at)
	}
	for i, en := range entries {
		if en != s.entries[i] && en.status.ID != s.entries[i].status.ID { // most are the same entry
			return newSnapshot(entries, at)
		}
	}
	gone, came := make([]*entry, len(changed)), make([]*entry, len(changed))
	for k, i := range changed {
		gone[k], came[k] = s.entries[i], entries[i]
	}
	return s.with(entries, gone, came, at)
}

// insert is update with branches new to the snapshot added (ids not in
// entries): they take their places by id.
func (s *Snapshot) insert(entries []*entry, changed []int, added []*entry, at time.Time) *Snapshot {
	if s == nil {
		return newSnapshot(insertByID(entries, added), at)
	}
	gone, came := make([]*entry, 0, len(changed)), make([]*entry, 0, len(changed)+len(added))
	for _, i := range changed {
		gone, came = append(gone, s.entries[i]), append(came, entries[i])
	}
	return s.with(insertByID(entries, added), gone, append(came, added...), at)
}

// with is the snapshot of entries, which are s's without the entries gone
// and with those of came. It shares what they leave alone, and moves them
// in the board order and their regions' orders instead of ordering every
// branch again (see reorder).
func (s *Snapshot) with(entries, gone, came []*entry, at time.Time) *Snapshot {
	n := &Snapshot{At: at, entries: entries, names: s.names, next: s.next,
		counts: maps.Clone(s.counts), regions: maps.Clone(s.regions)}
	touched := map[string]bool{}
	recount := false
	for _, en := range gone {
		v := en.status.Judgement.Verdict
		if n.counts[v]--; n.counts[v] <= 0 {
			delete(n.counts, v)
		}
		if r := en.status.Region; r != "" {
			touched[r] = true
		}
		recount = recount || en.until.Equal(s.next)
	}
	for _, en := range came {
		n.counts[en.status.Judgement.Verdict]++
		if r := en.status.Region; r != "" {
			touched[r] = true
		}
		if n.next.IsZero() || en.until.Before(n.next) {
			n.next = en.until
		}
	}
	if recount { // the earliest change was one of those judged again
		n.next = time.Time{}
		for _, en := range entries {
			if n.next.IsZero() || en.until.Before(n.next) {
				n.next = en.until
			}
		}
	}
	g, c := statuses(gone, ""), statuses(came, "")
	n.order = reorder(s.order, g, c)
	renamed := false
	for r := range touched {
		list := reorder(s.regions[r], statuses(gone, r), statuses(came, r))
		_, had := s.regions[r]
		if len(list) == 0 {
			delete(n.regions, r)
		} else {
			n.regions[r] = list
		}
		renamed = renamed || had != (len(list) > 0)
	}
	if renamed { // a region gained its first branch or lost its last
		n.names = slices.Sorted(maps.Keys(n.regions))
	}
	return n
}

// statuses are the statuses of ens in region r (empty: any region).
func statuses(ens []*entry, r string) []*BranchStatus {
	out := make([]*BranchStatus, 0, len(ens))
	for _, en := range ens {
		if r == "" || en.status.Region == r {
			out = append(out, &en.status)
		}
	}
	return out
}

// changed reports whether branch b, as listed now, must be judged again:
// it is new, its agent reported, or the clock moved past its judgement. A
// nil snapshot has everything to judge.
func (s *Snapshot) changed(b store.Branch, now time.Time) bool {
	if s == nil {
		return true
	}
	en, ok := s.entry(b.ID)
	return !ok || !en.status.Contact.At.Equal(b.Contact.At) || !now.Before(en.until)
}

// entry is branch id's entry.
func (s *Snapshot) entry(id string) (*entry, bool) {
	i, ok := s.index(id)
	if !ok {
		return nil, false
	}
	return s.entries[i], true
}

// index is the index of branch id's entry. A binary search instead of a
// map by id: a snapshot that gains branches (the first reports of a
// wave) would build the map of all of them again.
func (s *Snapshot) index(id string) (int, bool) {
	if s == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(s.entries, id, func(en *entry, id string) int { return strings.Compare(en.status.ID, id) })
}

// Len is how many branches the snapshot holds.
func (s *Snapshot) Len() int { return len(s.entries) }

// Selection is the branches of a snapshot a board page asks for.
type Selection struct {
	// Match are the matching branches in board order. They point into the
	// snapshot: read them, never change them (Engine.Live copies one).
	Match []*BranchStatus
	// Total and Counts (by verdict) cover every branch the person sees,
	// whatever the filters; Regions are those branches' regions.
	Total   int
	Counts  map[Verdict]int
	Regions []string
}

// Select picks the branches a person sees (covers nil: every branch) in a
// region and with a verdict (empty: any), in board order.
func (s *Snapshot) Select(covers func(id, region string) bool, region string, verdict Verdict) Selection {
	if covers == nil {
		in := s.order
		if region != "" {
			in = s.regions[region]
		}
		sel := Selection{Total: len(s.entries), Counts: s.counts, Regions: s.names}
		if verdict == "" {
			sel.Match = in
			return sel
		}
		for _, b := range in {
			if b.Judgement.Verdict == verdict {
				sel.Match = append(sel.Match, b)
			}
		}
		return sel
	}
	sel := Selection{Counts: map[Verdict]int{}}
	regions := map[string]bool{}
	for _, b := range s.order {
		if !covers(b.ID, b.Region) {
			continue
		}
		sel.Total++
		sel.Counts[b.Judgement.Verdict]++
		if b.Region != "" && !regions[b.Region] {
			regions[b.Region] = true
			sel.Regions = append(sel.Regions, b.Region)
		}
		if (region == "" || b.Region == region) && (verdict == "" || b.Judgement.Verdict == verdict) {
			sel.Match = append(sel.Match, b)
		}
	}
	slices.Sort(sel.Regions)
	return sel
}
