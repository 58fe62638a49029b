package alerting

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/store"
)

// owner returns the branch whose open incident has that id.
func (s *Service) owner(id string) *branch {
	for _, b := range s.branches {
		for _, inc := range b.Incidents {
			if inc.ID == id && inc.Open() {
				return b
			}
		}
	}
	return nil
}

// SilenceInput is a silence or maintenance window as a person asks for it.
type SilenceInput struct {
	Matcher alerts.Matcher `json:"matcher"`
	Start   time.Time      `json:"start"`
	End     time.Time      `json:"end"`
	Comment string         `json:"comment"`
}

// Validate says what is wrong with a silence, in words.
func (in *SilenceInput) Validate(now time.Time) error {
	var errs []string
	m := in.Matcher
	if m.Branch == "" && m.Region == "" && m.Device == "" && m.Check == "" {
		errs = append(errs, "name at least one of branch, region, device and check (a silence of everything is not allowed)")
	}
	if in.End.IsZero() {
		errs = append(errs, "end is required")
	} else if !in.End.After(in.Start) {
		errs = append(errs, "end must be after start")
	} else if !in.End.After(now) {
		errs = append(errs, "end is in the past")
	}
	if in.End.Sub(in.Start) > 31*24*time.Hour {
		errs = append(errs, "a silence lasts at most 31 days")
	}
	if strings.TrimSpace(in.Comment) == "" {
		errs = append(errs, "comment is required: say why")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// CreateSilence stores a new silence made by by and applies it at once.
func (s *Service) CreateSilence(ctx context.Context, in SilenceInput, by string) (alerts.Silence, error) {
	now := s.o.Now()
	if in.Start.IsZero() {
		in.Start = now
	}
	if err := in.Validate(now); err != nil {
		return alerts.Silence{}, err
	}
	sil := alerts.Silence{ID: newID("sil"), Matcher: in.Matcher, Start: in.Start, End: in.End, CreatedBy: by, Comment: in.Comment}
	body, err := json.Marshal(sil.Matcher)
	if err != nil {
		return alerts.Silence{}, err
	}
	rec := store.SilenceRecord{ID: sil.ID, StartsAt: sil.Start, EndsAt: sil.End, CreatedBy: by, Comment: sil.Comment, CreatedAt: now, Body: body}
	if err := s.o.Store.PutSilence(ctx, rec); err != nil {
		return alerts.Silence{}, err
	}
	s.o.Log.Info("silence created", "silence", sil.ID, "by", by, "matcher", string(body), "end", sil.End)
	return sil, s.nudge(ctx)
}

// ExpireSilence ends a silence now (kept for the record until it is deleted).
func (s *Service) ExpireSilence(ctx context.Context, id, by string) error {
	recs, err := s.o.Store.Silences(ctx, time.Time{})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.ID == id {
			now := s.o.Now()
			if r.EndsAt.After(now) {
				r.EndsAt = now
				if r.StartsAt.After(now) {
					r.StartsAt = now
				}
			}
			if err := s.o.Store.PutSilence(ctx, r); err != nil {
				return err
			}
			s.o.Log.Info("silence expired", "silence", id, "by", by)
			return s.nudge(ctx)
		}
	}
	return fmt.Errorf("silence %s: %w", id, store.ErrNotFound)
}

// DeleteSilence removes a silence.
func (s *Service) DeleteSilence(ctx context.Context, id, by string) error {
	if err := s.o.Store.DeleteSilence(ctx, id); err != nil {
		return err
	}
	s.o.Log.Info("silence deleted", "silence", id, "by", by)
	return s.nudge(ctx)
}

// nudge applies a stored silence change at once: on the loop where the
// engine runs, else by waking the leader through the store's signal (its
// next tick reads the change at the latest).
func (s *Service) nudge(ctx context.Context) error {
	err := s.do(ctx, func(ctx context.Context) error { s.tick(ctx); return nil })
	if errors.Is(err, ErrNotRunning) {
		s.ring(ctx, store.SignalSilence)
		return nil
	}
	return err
}

// Silences lists the silences that end after since (zero: all kept).
func (s *Service) Silences(ctx context.Context, since time.Time) ([]alerts.Silence, error) {
	recs, err := s.o.Store.Silences(ctx, since)
	if err != nil {
		return nil, err
	}
	out := make([]alerts.Silence, 0, len(recs))
	for _, r := range recs {
		sil, err := silenceOf(r)
		if err != nil {
			continue
		}
		out = append(out, sil)
	}
	return out, nil
}

func silenceOf(r store.SilenceRecord) (alerts.Silence, error) {
	var m alerts.Matcher
	if err := json.Unmarshal(r.Body, &m); err != nil {
		return alerts.Silence{}, err
	}
	return alerts.Silence{ID: r.ID, Matcher: m, Start: r.StartsAt, End: r.EndsAt, CreatedBy: r.CreatedBy, Comment: r.Comment}, nil
}

// Incidents returns the open incidents and those resolved since since,
// newest first, read from the store (so every collector answers alike).
func (s *Service) Incidents(ctx context.Context, since time.Time) ([]alerts.Incident, error) {
	recs, err := s.o.Store.Incidents(ctx, since)
	if err != nil {
		return nil, err
	}
	out := make([]alerts.Incident, 0, len(recs))
	for _, r := range recs {
		var inc alerts.Incident
		if json.Unmarshal(r.Body, &inc) == nil && (inc.Open() || !inc.FiredAt.IsZero()) {
			out = append(out, inc)
		}
	}
	return out, nil
}

// Incident returns one incident with every notification it decided.
func (s *Service) Incident(ctx context.Context, id string) (alerts.Incident, []OutboxEntry, error) {
	rec, err := s.o.Store.Incident(ctx, id)
	if err != nil {
		return alerts.Incident{}, nil, err
	}
	var inc alerts.Incident
	if err := json.Unmarshal(rec.Body, &inc); err != nil {
		return alerts.Incident{}, nil, fmt.Errorf("incident %s: %w", id, err)
	}
	rows, err := s.o.Store.Sent(ctx, id)
	if err != nil {
		return inc, nil, err
	}
	out := make([]OutboxEntry, len(rows))
	for i, r := range rows {
		out[i] = OutboxEntry{Seq: r.Seq, Notifier: r.Message.Notifier, Target: r.Message.Target, Op: string(r.Message.Op),
			Event: r.Message.Event, Title: r.Message.Title, Text: r.Message.Text, DecidedAt: r.Message.DecidedAt, State: r.State,
			Attempts: r.Attempts, LastError: r.LastError, DeliveredAt: r.DeliveredAt, FailedAt: r.FailedAt, Channel: r.Receipt.Channel, TS: r.Receipt.TS}
	}
	return inc, out, nil
}

// OutboxEntry is one notification of an incident as the board and API show it.
type OutboxEntry struct {
	Seq         int64     `json:"seq"`
	Notifier    string    `json:"notifier"`
	Target      string    `json:"target"`
	Op          string    `json:"op"`
	Event       string    `json:"event"`
	Title       string    `json:"title"`
	Text        string    `json:"text"`
	DecidedAt   time.Time `json:"decided_at"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
	Channel     string    `json:"channel,omitempty"`
	TS          string    `json:"ts,omitempty"`
}

func sortByStart(rs []alerts.Observation) {
	if slices.IsSortedFunc(rs, byStart) {
		// An agent's batch is usually in the order its checks started.
		return
	}
	slices.SortStableFunc(rs, byStart)
}

func byStart(a, b alerts.Observation) int { return a.At.Compare(b.At) }

func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
