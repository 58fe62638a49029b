package readiness

import (
	"context"
	"slices"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// job is one branch to judge today.
type job struct {
	i int
	p plan
}

// judgeMany judges today the branches at indexes todo of bs, and returns
// their entries at the same indexes (nil for those not in todo). A branch
// whose results the engine holds (see held) is judged from memory; the
// others are read from the store, those with similar windows together, and
// then held.
func (e *Engine) judgeMany(ctx context.Context, bs []store.Branch, xs []described, todo []int, now time.Time) ([]*entry, error) {
	out := make([]*entry, len(bs))
	e.holdNothing(bs, todo, now)
	var jobs []job
	// scratch is a held branch's results decoded for judging it: nothing
	// a judgement keeps refers to the slice, which the next branch reuses.
	var scratch []result.Result
	for _, i := range todo {
		p, err := e.plan(ctx, bs[i], xs[i], "", now)
		switch {
		case err != nil:
			out[i] = e.failed(bs[i], p.s, err, now)
		case p.s.Judgement.Verdict != "" || !p.read:
			if p.s.Judgement.Verdict == "" {
				p.s, err = p.finish(nil, now)
			}
			out[i] = e.entry(p.s, xs[i], err, now)
		default:
			at := e.now() // before the results are taken: every result handed in earlier is among them
			if held, ok := e.heldResults(bs[i], p.from, p.to, at); ok {
				scratch = held.appendResults(scratch[:0])
				out[i] = e.judged(p, xs[i], scratch, at)
				continue
			}
			jobs = append(jobs, job{i: i, p: p})
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	e.progress.Add(int64(len(todo) - len(jobs)))
	bulk, _ := e.Store.(BulkReader)
	for _, g := range batches(jobs) {
		e.startLoads(bs, g)
		if err := e.judgeBatch(ctx, bulk, bs, xs, g, now, out); err != nil {
			e.abortLoads(bs, g)
			return nil, err
		}
		e.progress.Add(int64(len(g)))
	}
	return out, nil
}

// judged is the entry of plan p judged from its results rs as of at.
func (e *Engine) judged(p plan, x described, rs []result.Result, at time.Time) *entry {
	p.s.JudgedAt = at
	s, err := p.finish(rs, at)
	en := e.entry(s, x, err, at)
	if t, ok := future(rs, at); ok && t.Before(en.until) {
		en.until = t // a result timed ahead of this collector's clock counts once it is due
	}
	return en
}

// judgeBatch reads the results of a batch of jobs (in one query when the
// store can), holds them, and judges each branch from its own range of them.
func (e *Engine) judgeBatch(ctx context.Context, bulk BulkReader, bs []store.Branch, xs []described, g []job, now time.Time, out []*entry) error {
	at := e.now() // before the read: every result stored earlier is in it
	var byBranch map[string][]result.Result
	if bulk != nil {
		from, to := g[0].p.from, g[0].p.to
		ids := make([]string, len(g))
		for k, j := range g {
			ids[k] = bs[j.i].ID
			from, to = minTime(from, j.p.from), maxTime(to, j.p.to)
		}
		var err error
		if byBranch, err = bulk.ResultsOf(ctx, ids, from, to); err != nil {
			return err
		}
	}
	for k, j := range g {
		b := bs[j.i]
		var rs []result.Result
		if bulk != nil {
			rs = inRange(byBranch[b.ID], j.p.from, j.p.to)
		} else {
			at = e.now()
			var err error
			if rs, err = e.Store.Results(ctx, b.ID, j.p.from, j.p.to); err != nil {
				if ctx.Err() != nil {
					return err
				}
				e.abortLoads(bs, g[k:k+1])
				out[j.i] = e.failed(b, j.p.s, err, now)
				continue
			}
		}
		// Judged as of the read, so that every result it returned counts.
		out[j.i] = e.judged(j.p, xs[j.i], e.install(b, rs, j.p.from, j.p.to, at), at)
	}
	return nil
}

// batchSpan is how far apart the windows of branches read together may
// start: each branch's range is the batch's union, so a wide span would read
// results the branch's own window leaves out.
const batchSpan = time.Hour

// batchMax bounds a batch, so that progress shows and memory stays small.
const batchMax = 2000

// batches groups jobs whose windows start within batchSpan of each other.
func batches(jobs []job) [][]job {
	slices.SortFunc(jobs, func(a, b job) int { return a.p.from.Compare(b.p.from) })
	var out [][]job
	for start := 0; start < len(jobs); {
		end := start + 1
		for end < len(jobs) && end-start < batchMax && jobs[end].p.from.Sub(jobs[start].p.from) <= batchSpan {
			end++
		}
		out = append(out, jobs[start:end])
		start = end
	}
	return out
}

// future is the earliest time among rs (oldest first) after now.
func future(rs []result.Result, now time.Time) (time.Time, bool) {
	i, _ := slices.BinarySearchFunc(rs, now, func(r result.Result, t time.Time) int {
		if r.StartedAt.After(t) {
			return 1
		}
		return -1
	})
	if i == len(rs) {
		return time.Time{}, false
	}
	return rs[i].StartedAt, true
}

// inRange keeps the results (oldest first) with from <= started_at < to.
func inRange(rs []result.Result, from, to time.Time) []result.Result {
	lo, _ := slices.BinarySearchFunc(rs, from, func(r result.Result, t time.Time) int { return r.StartedAt.Compare(t) })
	hi, _ := slices.BinarySearchFunc(rs, to, func(r result.Result, t time.Time) int { return r.StartedAt.Compare(t) })
	return rs[lo:hi]
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// retryFailed is how soon a branch that could not be judged is tried again.
const retryFailed = 30 * time.Second

// failed is the entry of a branch that cannot be judged: one such branch
// must not blank the board.
func (e *Engine) failed(b store.Branch, s BranchStatus, err error, now time.Time) *entry {
	s.Judgement = Judgement{State: State{Verdict: Unknown, At: now,
		Problems: []Item{{Reason: "the collector cannot judge this branch: " + err.Error()}}}}
	s.ID, s.Contact, s.Devices = b.ID, b.Contact, nil
	if s.JudgedAt.IsZero() {
		s.JudgedAt = now
	}
	return &entry{status: s, until: now.Add(retryFailed)}
}

// entry is a judged status as the snapshot keeps it, with until when the
// clock alone leaves it unchanged.
func (e *Engine) entry(s BranchStatus, x described, err error, now time.Time) *entry {
	if err != nil {
		return e.failed(store.Branch{ID: s.ID, Contact: s.Contact}, s, err, now)
	}
	s.Devices = nil
	en := &entry{status: s, until: now.Add(e.maxAge())}
	if x.cal != nil {
		if t := nextChange(x.cal, x.days, now); t.Before(en.until) {
			en.until = t
		}
	}
	return en
}
