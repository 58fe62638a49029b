package shipper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/result"
)

// malformed is a single result the collector answered 400 for.
type malformed struct {
	id, text string
}

// ErrAllMalformed means the collector called every result of a batch
// malformed: more likely a collector or protocol problem than bad data, so
// the results are kept.
var ErrAllMalformed = errors.New("collector refused every result of the batch as malformed; keeping them")

// deliver ships rs, splitting it as the collector asks, and removes from the
// spool what the collector answered for.
func (s *Shipper) deliver(ctx context.Context, rs []spool.Record) error {
	var bad []malformed
	done, err := s.ship(ctx, rs, &bad)
	if err != nil || len(bad) == 0 {
		return err
	}
	if done == 0 {
		return fmt.Errorf("%w: %s", ErrAllMalformed, bad[0].text)
	}
	ids := make([]string, len(bad))
	for i, b := range bad {
		ids[i] = b.id
	}
	if err := s.o.Spool.Drop(ids, ReasonRejected); err != nil {
		return fmt.Errorf("drop malformed results: %w", err)
	}
	s.countRejected(len(ids))
	s.o.Log.Warn("collector refused results as malformed; dropped them", "dropped", len(ids),
		"ids", ids[:min(len(ids), 5)], "error", bad[0].text, "reason", ReasonRejected)
	return nil
}

// ship posts rs, halving it on 413 and 400, and returns how many results
// were stored or rejected. Single results answered 400 go to bad.
func (s *Shipper) ship(ctx context.Context, rs []spool.Record, bad *[]malformed) (int, error) {
	ir, err := s.post(ctx, rs)
	var se *StatusError
	switch {
	case err == nil:
		return len(rs), s.settle(rs, ir)
	case !errors.As(err, &se) || (se.Code != http.StatusBadRequest && se.Code != http.StatusRequestEntityTooLarge):
		return 0, err
	case len(rs) > 1:
		h := len(rs) / 2
		a, err := s.ship(ctx, rs[:h], bad)
		if err != nil {
			return a, err
		}
		b, err := s.ship(ctx, rs[h:], bad)
		return a + b, err
	case se.Code == http.StatusBadRequest && bad != nil:
		*bad = append(*bad, malformed{rs[0].ID, se.Text})
		return 0, nil
	}
	return 0, err
}

// settle acknowledges what the collector stored and drops what it rejected.
func (s *Shipper) settle(rs []spool.Record, ir *result.IngestResponse) error {
	rejected := make(map[int]bool, len(ir.Rejected))
	var dropIDs []string
	byReason := map[string][]string{}
	var first result.Rejection
	for _, r := range ir.Rejected {
		if r.Index < 0 || r.Index >= len(rs) || rejected[r.Index] {
			continue // not an item of this batch
		}
		if len(dropIDs) == 0 {
			first = r
		}
		rejected[r.Index] = true
		dropIDs = append(dropIDs, rs[r.Index].ID)
		reason := ReasonRejected
		if r.Code == result.RejectEventTime {
			reason = ReasonClock
		}
		byReason[reason] = append(byReason[reason], rs[r.Index].ID)
	}
	ack := make([]string, 0, len(rs)-len(dropIDs))
	for i, r := range rs {
		if !rejected[i] {
			ack = append(ack, r.ID)
		}
	}
	if err := s.o.Spool.Ack(ack); err != nil {
		return fmt.Errorf("acknowledge %d results: %w", len(ack), err)
	}
	s.countStored(len(ack))
	if len(dropIDs) == 0 {
		return nil
	}
	for reason, ids := range byReason {
		if err := s.o.Spool.Drop(ids, reason); err != nil {
			return fmt.Errorf("drop %d rejected results: %w", len(ids), err)
		}
	}
	s.countRejected(len(dropIDs))
	reason := ReasonRejected
	if first.Code == result.RejectEventTime {
		reason = ReasonClock
	}
	device, check := names(rs[first.Index])
	s.o.Log.Warn("collector rejected results; dropped them", "dropped", len(dropIDs),
		"ids", dropIDs[:min(len(dropIDs), 5)], "device", device, "check", check,
		"error", first.Error, "reason", reason)
	return nil
}

// names reads the device and check of a record, for a log line.
func names(r spool.Record) (device, check string) {
	var v struct{ Device, Check string }
	_ = json.Unmarshal(r.JSON, &v)
	return v.Device, v.Check
}
