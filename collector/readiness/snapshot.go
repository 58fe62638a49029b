package readiness

import (
	"slices"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// Attention is the order in which the board lists verdicts: those needing
// attention first.
var Attention = []Verdict{NotReady, Unknown, ReadyDegraded, Ready, Maintenance, Closed}

// Snapshot is today's judgement of every branch at one moment, immutable
// once published: the board, the API and the metrics read it without
// judging anything. It keeps the branches by id and in board order (by
// Attention, then id), overall and per region.
type Snapshot struct {
	// At is when the snapshot was made.
	At      time.Time
	entries []*entry       // by id
	pos     map[string]int // index in entries by id
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
	s := &Snapshot{At: at, entries: entries, pos: make(map[string]int, len(entries)), regions: map[string][]*BranchStatus{},
		counts: map[Verdict]int{}}
	buckets := make([][]*BranchStatus, len(Attention)+1)
	for i, en := range entries {
		s.pos[en.status.ID] = i
		v := en.status.Judgement.Verdict
		s.counts[v]++
		i := slices.Index(Attention, v)
		if i < 0 { // an unheard-of verdict needs attention
			i = 0
		}
		buckets[i] = append(buckets[i], &en.status)
		if s.next.IsZero() || en.until.Before(s.next) {
			s.next = en.until
		}
	}
	s.order = slices.Concat(buckets...)
	for _, b := range s.order {
		if b.Region != "" {
			s.regions[b.Region] = append(s.regions[b.Region], b)
		}
	}
	for r := range s.regions {
		s.names = append(s.names, r)
	}
	slices.Sort(s.names)
	return s
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
	i, ok := s.pos[id]
	if !ok {
		return nil, false
	}
	return s.entries[i], true
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
