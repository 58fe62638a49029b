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

// maxQueuedRun bounds how many branches' results (or other pieces of
// work) the loop runs before it saves what they decided: enough to make one transaction of a wave's
// burst, few enough that the first decision of the run is not held back
// long by the work behind it.
const maxQueuedRun = 256

// staged is an outcome decided and not yet saved.
type staged struct {
	b    *branch
	recs []store.IncidentRecord
	o    alerts.Outcome
}

// job is work for the loop; branches names the branches whose results an
// Observe hands over (none for other work).
type job struct {
	branches []string
	f        func(context.Context)
}

// runQueued runs first and the work already waiting for the loop, up to
// pieces handing over maxQueuedRun branches, without waiting for more. During a pre-opening wave
// thousands of branches hand over results at once: saving each branch's
// decision alone made the engine wait for one store commit per failing
// branch (on SQLite, behind the wave's bulk writes), and a failing check
// waited in the queue for seconds before it was even judged.
func (s *Service) runQueued(ctx context.Context, first job) {
	run := []job{first}
	n := max(1, len(first.branches))
	for n < maxQueuedRun {
		select {
		case j := <-s.in:
			run = append(run, j)
			n += max(1, len(j.branches))
			continue
		default:
		}
		break
	}
	// A silence or maintenance window made before any of these results
	// was handed over applies to them: its wake-up is already due, and the
	// loop's select would otherwise pick between it and the results at
	// random (a window made, then a failure posted at once, was notified
	// about half the time under load).
	select {
	case <-s.wakeSilences:
		s.tick(ctx)
	default:
	}
	s.prefetch(ctx, run)
	for _, j := range run {
		j.f(ctx)
	}
}

// prefetchers bounds the branch reads prefetch makes at once.
const prefetchers = 8

// prefetch describes, before the run, the branches of a run that are new
// to the engine. The branch directory holds them decoded (ingest tells it
// each descriptor it stored before it hands the results over), so a wave's
// first round after a start costs no store read: reading and decoding each
// branch's descriptor from the store was a twentieth of the collector's
// CPU in that round. Only branches the directory holds without a
// descriptor, or not at all (another collector stored it since the
// directory last read the store: on the leader, every branch of a wave
// that reached the other collectors), are read from the store, several
// at once: observe (or the directory) would otherwise read each alone,
// one round trip after another. A branch that cannot be read here is
// read again by observe.
func (s *Service) prefetch(ctx context.Context, run []job) {
	ids := s.undescribed(run)
	if len(ids) == 0 {
		return
	}
	now := s.o.Now()
	for _, sb := range s.directory().Held(ids) {
		s.take(sb, now)
	}
	var rest []string
	for _, id := range ids {
		if b := s.branches[id]; b == nil || b.Descriptor == nil {
			rest = append(rest, id)
		}
	}
	s.readStored(ctx, rest, now)
}

// undescribed lists, once each, the branches of run the engine holds no
// descriptor of.
func (s *Service) undescribed(run []job) []string {
	var ids []string
	seen := map[string]bool{}
	for _, j := range run {
		for _, id := range j.branches {
			if b := s.branches[id]; seen[id] || (b != nil && b.Descriptor != nil) {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// take applies a branch as read (its contact, descriptor and silences).
func (s *Service) take(sb store.Branch, now time.Time) {
	b := s.branch(sb.ID)
	if sb.Contact.At.After(b.LastHeard) {
		b.LastHeard = sb.Contact.At
	}
	s.describe(b, sb)
	s.silence(b, now)
}

// readStored reads branches from the store, prefetchers at once.
func (s *Service) readStored(ctx context.Context, ids []string, now time.Time) {
	if len(ids) == 0 {
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
	for i := range ids {
		if ok[i] {
			s.take(got[i], now)
		}
	}
}

// stage keeps what an outcome changed and decided until the next flush.
// The records are taken now: a later change to the same incident in the
// same run is staged after it and wins.
func (s *Service) stage(b *branch, o alerts.Outcome) {
	if len(o.Changed) == 0 && len(o.Messages) == 0 {
		return
	}
	if len(s.staging) == 0 {
		s.stagedAt = time.Now()
	}
	s.stagedMsgs += len(o.Messages)
	s.staging = append(s.staging, staged{b: b, recs: s.records(o), o: o})
}

// flushLinger bounds how long decided outcomes wait to be saved with the
// ones decided after them. During a wave the loop judges the queued
// batches faster than they arrive, and saved what a few of them decided
// at a time: a transaction of some four messages every 15 ms, each paying
// its round trips, its statements' planning and its commit, in this
// process and in the server. The wait is a notification's too (a post
// leaves once it is saved), small against the second a notification may
// take; nothing waits for it that was acknowledged to anyone: a decision
// not yet saved when the engine stops is made again by the replay of the
// stored results (Replay), as one being saved is today.
const flushLinger = 50 * time.Millisecond

// flushAtOnce is how many staged messages are saved without waiting.
const flushAtOnce = 256

// flushDue saves the staged outcomes when they have waited flushLinger or
// hold flushAtOnce messages, and returns how long they may still wait
// otherwise (0 when nothing is staged).
func (s *Service) flushDue(ctx context.Context) time.Duration {
	if len(s.staging) == 0 {
		return 0
	}
	if wait := s.linger - time.Since(s.stagedAt); wait > 0 && s.stagedMsgs < flushAtOnce {
		return wait
	}
	s.flush(ctx)
	return 0
}

// flush saves every staged outcome in one transaction, in the order they
// were decided. When the store refuses, the branches concerned are rebuilt
// from the store so that memory never runs ahead of what is kept.
func (s *Service) flush(ctx context.Context) {
	if len(s.staging) == 0 {
		return
	}
	batch := s.staging
	s.staging, s.stagedMsgs = nil, 0
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
	if s.o.Decided != nil && !allBehind(all, claimed) {
		// Rows not claimed here (a later message of an incident whose
		// earlier one is still pending) are the loop's to claim.
		s.o.Decided()
	}
}

// allBehind reports whether every message not claimed waits behind a row
// claimed with it, on its incident route: the delivery loop claims each
// such message as it records the one before (outbox.Recorder), and need
// not be woken to look for them.
func allBehind(ms []notify.Message, claimed []outbox.Row) bool {
	if len(ms) == len(claimed) {
		return true
	}
	type route struct{ incident, notifier, target string }
	heads := make(map[route]bool, len(claimed))
	for _, r := range claimed {
		heads[route{r.Message.IncidentID, r.Message.Notifier, r.Message.Target}] = true
	}
	for _, m := range ms {
		if !heads[route{m.IncidentID, m.Notifier, m.Target}] {
			return false
		}
	}
	return true
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
