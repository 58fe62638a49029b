package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/zone"
)

// Store is what the service needs of the collector's store.
type Store interface {
	store.Store
	store.Alerts
	store.Commands
}

// Options configure a Service.
type Options struct {
	Store  Store
	Policy *alerts.Policy
	Log    *slog.Logger
	Now    func() time.Time
	// Decided, if set, is called after messages were saved to the outbox
	// (the delivery loop's kick).
	Decided func()
	// Claimed, if set with a store that can (SaveAndClaim), takes the
	// outbox rows the engine enqueued and claimed for ClaimLease in the
	// same transaction, so that the local delivery loop sends them without
	// first claiming them in a transaction of its own. It returns false
	// when it cannot take them (its loop is not running): they are then
	// released for whoever claims next.
	Claimed    func([]outbox.Row) bool
	ClaimLease time.Duration
	// Tick is how often time is advanced for every branch; default 20s.
	Tick time.Duration
	// Replay is how far back results are replayed at start; default 10m.
	Replay  time.Duration
	Metrics *Metrics
	// Signal, if set, wakes the engine on whichever collector leads when a
	// command was queued or a silence changed here (PostgreSQL NOTIFY);
	// without it the engine finds the change at its next tick.
	Signal func(ctx context.Context, what string) error
	// CommandWait bounds how long Submit waits for a command's outcome;
	// DefaultCommandWait when zero.
	CommandWait time.Duration
	// Branches is the branch directory shared with the readiness engine
	// and told by ingest what it stored; nil: the engine keeps its own
	// (see branches.go).
	Branches *branchdir.Dir
}

// Service is the running alert engine.
type Service struct {
	o        Options
	in       chan job
	branches map[string]*branch
	silences []alerts.Silence
	// seen is the newest result applied per key among recently stored
	// incidents that are no longer open (the replay guard).
	seen map[alerts.Key]time.Time
	// running is set while Run serves: with several collectors the engine
	// runs only on the leader, and work asked of another collector goes
	// through the store (commands, silences) instead of this loop.
	running atomic.Bool
	// wakeCommands and wakeSilences make the loop apply queued commands
	// and re-read silences now rather than at the next tick.
	wakeCommands, wakeSilences chan struct{}
	// settled is closed (and replaced) whenever the loop settled commands,
	// so that Submit's waiters here look at once.
	mu      sync.Mutex
	settled chan struct{}
	// staging holds outcomes decided and not yet saved (see flush), the
	// first staged at stagedAt, with stagedMsgs messages; only the loop
	// touches them.
	staging    []staged
	stagedAt   time.Time
	stagedMsgs int
	// linger is flushLinger (tests lengthen it).
	linger time.Duration
	pruned time.Time
	// maint are the live maintenance windows made on the board or API, as
	// last read; windows caches them compiled, by id and zone.
	maint   []store.MaintenanceRecord
	windows map[string]*calendar.CompiledWindow
	// configured caches each branch's own maintenance windows (its
	// config's `maintenance:`) compiled, for the config hash they came from.
	configured map[string]configuredWindows
	// dir is the engine's own branch directory when Options has none
	// (used by the loop only).
	dir *branchdir.Dir
	// zones caches time zones for compiling calendars: time.LoadLocation
	// reads the zone file at every call, a fifth of the engine's work on
	// a wave's first round, when every branch is new to it.
	zones     zone.Cache
	calendars calendars
	// described holds the ids of the branches with a descriptor, for
	// Described (the loop writes it, anyone reads it).
	described sync.Map
	// ticking is set (by the loop) while a periodic tick reads the store.
	ticking bool
	// scratch is the loop's buffer for encoding incidents (recordOf).
	scratch []byte
}

// ErrNotRunning is returned by work that needs this process's engine loop
// when another collector leads.
var ErrNotRunning = errors.New("the alert engine runs on another collector (the leader)")

// branch is a branch's engine state and what it was built from.
type branch struct {
	alerts.Branch
	configHash string
}

// queueLen bounds the work waiting for the loop; ingest waits when it is
// full (backpressure, not loss).
const queueLen = 1024

// New returns a service; Run starts it.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Tick <= 0 {
		o.Tick = 20 * time.Second
	}
	if o.Replay <= 0 {
		o.Replay = 10 * time.Minute
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.CommandWait <= 0 {
		o.CommandWait = DefaultCommandWait
	}
	var dir *branchdir.Dir
	if o.Branches == nil {
		// Made now, not on first use: a periodic tick reads it off the loop.
		dir = branchdir.New(branchdir.Options{Source: o.Store, Now: o.Now})
	}
	return &Service{dir: dir, o: o, linger: flushLinger, in: make(chan job, queueLen), branches: map[string]*branch{}, seen: map[alerts.Key]time.Time{},
		wakeCommands: make(chan struct{}, 1), wakeSilences: make(chan struct{}, 1), settled: make(chan struct{}),
		windows: map[string]*calendar.CompiledWindow{}, configured: map[string]configuredWindows{}}
}

// do runs f on the loop and returns its error.
func (s *Service) do(ctx context.Context, f func(context.Context) error) error {
	if !s.running.Load() {
		return ErrNotRunning
	}
	errc := make(chan error, 1)
	select {
	case s.in <- job{f: func(ctx context.Context) { errc <- f(ctx) }}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run loads the engine's state, replays recent results and serves until
// ctx ends. Run may be called again once it has returned (a collector that
// leads again): it starts afresh from the store.
func (s *Service) Run(ctx context.Context) error {
	s.running.Store(true)
	defer s.running.Store(false)
	s.branches, s.seen, s.silences = map[string]*branch{}, map[alerts.Key]time.Time{}, nil
	// Outcomes a previous Run staged and did not save (it stopped within
	// flushLinger of deciding them) are dropped: the replay below decides
	// them again from the stored results.
	s.staging, s.stagedMsgs = nil, 0
	s.described.Clear()
	if err := s.load(ctx); err != nil {
		return err
	}
	t := time.NewTicker(s.o.Tick)
	defer t.Stop()
	var (
		due     tickDue
		reading sync.WaitGroup
	)
	// The periodic tick's store reads run apart (see tickApart); Run
	// returns once they ended.
	defer reading.Wait()
	s.ticking = false
	// linger fires when staged decisions have waited flushLinger.
	var linger <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-linger:
			linger = nil
			s.flush(ctx)
		case j := <-s.in:
			s.runQueued(ctx, j)
			if wait := s.flushDue(ctx); wait > 0 && linger == nil {
				linger = time.After(wait)
			}
			if due.due(time.Now(), len(s.in), s.o.Tick) {
				s.tickApart(ctx, &reading)
			}
		case <-s.wakeCommands:
			s.drain(ctx)
		case <-s.wakeSilences:
			s.tick(ctx)
		case <-t.C:
			if due.arrive(time.Now(), len(s.in), s.o.Tick) {
				s.tickApart(ctx, &reading)
			}
		}
	}
}

// load rebuilds the engine's memory from the store and replays what the
// engine may not have seen before a crash.
func (s *Service) load(ctx context.Context) error {
	now := s.o.Now()
	recs, err := s.o.Store.Incidents(ctx, now.Add(-s.o.Replay))
	if err != nil {
		return fmt.Errorf("alerts: load incidents: %w", err)
	}
	if err := s.refresh(ctx); err != nil {
		return err
	}
	loaded := 0
	for _, rec := range recs {
		var inc alerts.Incident
		if err := json.Unmarshal(rec.Body, &inc); err != nil {
			s.o.Log.Error("alerts: an incident in the store cannot be read; it is left out", "incident", rec.ID, "err", err)
			continue
		}
		if !inc.Open() {
			if inc.LastResult.After(s.seen[inc.Key]) {
				s.seen[inc.Key] = inc.LastResult
			}
			continue
		}
		b := s.branch(inc.Key.Branch)
		b.Incidents = append(b.Incidents, &inc)
		loaded++
	}
	replayed, err := s.replay(ctx, now)
	if err != nil {
		return err
	}
	s.flush(ctx)
	s.o.Log.Info("alert engine started", "open_incidents", loaded, "replayed_results", replayed, "silences", len(s.silences))
	// Commands queued while no collector led (or before the last leader
	// died) apply now, on the state just rebuilt.
	s.drain(ctx)
	s.tick(ctx)
	return nil
}

// branch returns a branch's state, creating an empty one.
func (s *Service) branch(id string) *branch {
	b := s.branches[id]
	if b == nil {
		b = &branch{Branch: alerts.Branch{ID: id}}
		s.branches[id] = b
	}
	return b
}

// describe takes sb's descriptor and compiled calendar into b when they are
// new or changed.
func (s *Service) describe(b *branch, sb store.Branch) {
	if sb.Descriptor != nil && (b.Descriptor == nil || b.configHash != sb.Contact.ConfigHash) {
		cal, probs := s.calendars.compile(sb.Descriptor.Calendar, s.zones.Load)
		if len(probs) > 0 {
			s.o.Log.Warn("alerts: branch calendar does not compile; deadline escalation off for it", "branch", sb.ID, "problem", probs[0].Msg)
			cal = nil
		}
		b.Descriptor, b.Calendar, b.configHash = sb.Descriptor, cal, sb.Contact.ConfigHash
		s.described.Store(b.ID, true)
	}
}

// refreshOne reads one branch (one new to the engine) and applies the
// silences and maintenance windows last read to it.
func (s *Service) refreshOne(ctx context.Context, b *branch) error {
	sb, err := s.readBranch(ctx, b.ID)
	if err != nil {
		return err
	}
	if sb.Contact.At.After(b.LastHeard) {
		b.LastHeard = sb.Contact.At
	}
	s.describe(b, sb)
	s.silence(b, s.o.Now())
	return nil
}

// silence sets b's silences: the stored ones, the maintenance windows made
// on the board or API, and the branch's own configured windows.
func (s *Service) silence(b *branch, now time.Time) {
	b.Silences = s.silences
	if len(s.maint) > 0 {
		b.Silences = append(slices.Clip(s.silences), s.windowSilences(s.maint, b, now)...)
	}
	if own := s.configuredSilences(b, now); len(own) > 0 {
		b.Silences = append(slices.Clip(b.Silences), own...)
	}
}

// records encodes the incidents an outcome changed, noting the newest
// result of those it closed (the replay guard).
func (s *Service) records(o alerts.Outcome) []store.IncidentRecord {
	recs := make([]store.IncidentRecord, 0, len(o.Changed))
	now := s.o.Now()
	for _, inc := range o.Changed {
		rec, err := s.recordOf(inc, now)
		if err != nil {
			s.o.Log.Error("alerts: encode incident", "incident", inc.ID, "err", err)
			continue
		}
		recs = append(recs, rec)
		if !inc.Open() && inc.LastResult.After(s.seen[inc.Key]) {
			s.seen[inc.Key] = inc.LastResult
		}
	}
	return recs
}

// reload replaces a branch's open incidents by the stored ones.
func (s *Service) reload(ctx context.Context, b *branch) {
	recs, err := s.o.Store.Incidents(ctx, s.o.Now())
	if err != nil {
		return
	}
	b.Incidents = b.Incidents[:0]
	for _, rec := range recs {
		var inc alerts.Incident
		if rec.Branch != b.ID || json.Unmarshal(rec.Body, &inc) != nil || !inc.Open() {
			continue
		}
		b.Incidents = append(b.Incidents, &inc)
	}
}

// recordOf encodes an incident for the store. The JSON is written in the
// loop's scratch buffer and copied out at its size: an incident's JSON
// outgrows any guess made for all of them, and growing it copied it
// twice or three times.
func (s *Service) recordOf(inc *alerts.Incident, now time.Time) (store.IncidentRecord, error) {
	b, err := inc.AppendJSON(s.scratch[:0])
	if err != nil {
		return store.IncidentRecord{}, err
	}
	if cap(b) <= 64<<10 {
		s.scratch = b
	}
	body := bytes.Clone(b)
	return store.IncidentRecord{ID: inc.ID, Branch: inc.Key.Branch, Device: inc.Key.Device, Check: inc.Key.Check,
		State: string(inc.State), OpenedAt: inc.Since, UpdatedAt: now, Body: body}, nil
}

func merge(dst *alerts.Outcome, o alerts.Outcome) {
	for _, inc := range o.Changed {
		found := false
		for _, d := range dst.Changed {
			if d == inc {
				found = true
				break
			}
		}
		if !found {
			dst.Changed = append(dst.Changed, inc)
		}
	}
	dst.Messages = append(dst.Messages, o.Messages...)
}

// ErrUnknownIncident is returned for an acknowledgement of an incident that
// is not open (resolved since the button was drawn, or never existed).
var ErrUnknownIncident = errors.New("no open incident with that id")
