package alerting

import (
	"context"
	"sync"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

// maxQueuedRun bounds how many queued pieces of work the loop runs before
// it saves what they decided: enough to make one transaction of a wave's
// burst, few enough that the first decision of the run is not held back
// long by the work behind it.
const maxQueuedRun = 256

// staged is an outcome decided and not yet saved.
type staged struct {
	b    *branch
	recs []store.IncidentRecord
	o    alerts.Outcome
}

// job is work for the loop; branch names the branch whose results an
// Observe hands over ("" for other work).
type job struct {
	branch string
	f      func(context.Context)
}

// runQueued runs first and the work already waiting for the loop, up to
// maxQueuedRun pieces, without waiting for more. During a pre-opening wave
// thousands of branches hand over results at once: saving each branch's
// decision alone made the engine wait for one store commit per failing
// branch (on SQLite, behind the wave's bulk writes), and a failing check
// waited in the queue for seconds before it was even judged.
func (s *Service) runQueued(ctx context.Context, first job) {
	run := []job{first}
	for len(run) < maxQueuedRun {
		select {
		case j := <-s.in:
			run = append(run, j)
			continue
		default:
		}
		break
	}
	s.prefetch(ctx, run)
	for _, j := range run {
		j.f(ctx)
	}
}

// prefetchers bounds the branch reads prefetch makes at once.
const prefetchers = 8

// prefetch reads, several at once, the branches of a run that are new to
// the engine: observe would otherwise read each alone, one store round
// trip after another (a wave's first round at 2,000 branches on
// PostgreSQL spent most of its notification latency there). A branch
// that cannot be read here is read again by observe.
func (s *Service) prefetch(ctx context.Context, run []job) {
	var ids []string
	seen := map[string]bool{}
	for _, j := range run {
		if b := s.branches[j.branch]; j.branch == "" || seen[j.branch] || (b != nil && b.Descriptor != nil) {
			continue
		}
		seen[j.branch] = true
		ids = append(ids, j.branch)
	}
	if len(ids) < 2 {
		return
	}
	got := make([]store.Branch, len(ids))
	ok := make([]bool, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(prefetchers, len(ids)) {
		wg.Go(func() {
			for i := range next {
				sb, err := s.o.Store.Branch(ctx, ids[i])
				got[i], ok[i] = sb, err == nil
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	now := s.o.Now()
	for i, id := range ids {
		if !ok[i] {
			continue
		}
		b := s.branch(id)
		if got[i].Contact.At.After(b.LastHeard) {
			b.LastHeard = got[i].Contact.At
		}
		s.describe(b, got[i])
		s.silence(b, now)
	}
}

// stage keeps what an outcome changed and decided until the next flush.
// The records are taken now: a later change to the same incident in the
// same run is staged after it and wins.
func (s *Service) stage(b *branch, o alerts.Outcome) {
	if len(o.Changed) == 0 && len(o.Messages) == 0 {
		return
	}
	s.staging = append(s.staging, staged{b: b, recs: s.records(o), o: o})
}

// save keeps what an outcome changed and decided at once, after anything
// staged before it.
func (s *Service) save(ctx context.Context, b *branch, o alerts.Outcome) {
	s.stage(b, o)
	s.flush(ctx)
}

// flush saves every staged outcome in one transaction, in the order they
// were decided. When the store refuses, the branches concerned are rebuilt
// from the store so that memory never runs ahead of what is kept.
func (s *Service) flush(ctx context.Context) {
	if len(s.staging) == 0 {
		return
	}
	batch := s.staging
	s.staging = nil
	var (
		recs []store.IncidentRecord
		msgs = 0
	)
	for _, st := range batch {
		recs = append(recs, st.recs...)
		msgs += len(st.o.Messages)
	}
	all := make([]notify.Message, 0, msgs)
	for _, st := range batch {
		all = append(all, st.o.Messages...)
	}
	start := time.Now()
	claimed, err := s.saveAll(ctx, recs, all)
	s.o.Metrics.SaveSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		s.o.Metrics.SaveFailures.Inc()
		reloaded := map[*branch]bool{}
		for _, st := range batch {
			if reloaded[st.b] {
				continue
			}
			reloaded[st.b] = true
			s.o.Log.Error("alerts: save incidents; the branch's incidents are reloaded from the store", "branch", st.b.ID, "err", err)
			s.reload(ctx, st.b)
		}
		return
	}
	s.o.Metrics.Decided.Add(float64(msgs))
	if len(claimed) > 0 && !s.o.Claimed(claimed) {
		s.release(ctx, claimed)
	}
	if msgs > len(claimed) && s.o.Decided != nil {
		// Rows not claimed here (a later message of an incident whose
		// earlier one is still pending) are the loop's to claim.
		s.o.Decided()
	}
}

// claimSaver is a store that saves and claims what it enqueued at once.
type claimSaver interface {
	SaveAndClaim(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message, now time.Time, lease time.Duration) ([]outbox.Row, error)
}

// saveAll saves in one transaction, claiming the rows enqueued for the
// local delivery loop when it can.
func (s *Service) saveAll(ctx context.Context, recs []store.IncidentRecord, ms []notify.Message) ([]outbox.Row, error) {
	if cs, ok := s.o.Store.(claimSaver); ok && s.o.Claimed != nil && s.o.ClaimLease > 0 && len(ms) > 0 {
		return cs.SaveAndClaim(ctx, recs, ms, s.o.Now(), s.o.ClaimLease)
	}
	return nil, s.o.Store.SaveIncidents(ctx, recs, ms)
}

// release gives back rows the delivery loop could not take.
func (s *Service) release(ctx context.Context, rows []outbox.Row) {
	now := s.o.Now()
	for _, r := range rows {
		if err := s.o.Store.Release(ctx, r.Seq, now); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("alerts: release an outbox row; it returns when its lease ends", "seq", r.Seq, "err", err)
		}
	}
	if s.o.Decided != nil {
		s.o.Decided()
	}
}
