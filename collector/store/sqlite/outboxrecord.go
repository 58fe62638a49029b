package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

var _ outbox.Recorder = (*Store)(nil)

// The statements of Record, prepared with the writer's others.
const (
	// recordSQL is deliveredSQL returning the row's route, so that the
	// thread is kept and the route's next row found without reading the
	// row again.
	recordSQL = `UPDATE outbox SET state = 'delivered', done_at = ?, channel = ?, ts = ?, attempts = attempts + 1, claimed_until = 0
			WHERE seq = ? AND state = 'pending' RETURNING incident, notifier, target, op`
	threadPutSQL = `INSERT INTO threads (incident, notifier, target, channel, ts) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (incident, notifier, target) DO NOTHING`
	// nextHeadSQL reads the oldest pending row of a route when it is
	// claimable (the outbox_pending index finds it without a scan), with
	// the claim it had.
	nextHeadSQL = `SELECT ` + store.OutboxColumns + `, claimed_until FROM outbox
			WHERE seq = (SELECT MIN(seq) FROM outbox WHERE state = 'pending' AND incident = ? AND notifier = ? AND target = ?)
			AND not_before <= ? AND claimed_until <= ?`
)

// outboxRoute is an incident's conversation on one notifier and target.
type outboxRoute struct{ incident, notifier, target string }

// Record marks deliveries and claims the rows they free, in one writer
// request: one transaction for a batch of messages instead of one
// request each, and no Claim (which reads every pending row) to find the
// next message of each incident.
func (s *Store) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	if len(ds) == 0 {
		return nil, nil, nil
	}
	var (
		next       []outbox.Row
		notPending []int64
	)
	_, err := s.tx(ctx, "record outbox deliveries", func(ctx context.Context, tx *sql.Tx) (int, error) {
		next, notPending = next[:0], notPending[:0]
		var routes []outboxRoute
		for _, d := range ds {
			k, ok, err := s.recordOne(ctx, tx, d)
			if err != nil {
				return 0, fmt.Errorf("outbox row %d: %w", d.Seq, err)
			}
			if !ok {
				notPending = append(notPending, d.Seq)
			} else if !slices.Contains(routes, k) {
				routes = append(routes, k)
			}
		}
		for _, k := range routes {
			r, ok, err := s.claimHead(ctx, tx, k, now, lease)
			if err != nil {
				return 0, fmt.Errorf("claim the next row of incident %s: %w", k.incident, err)
			}
			if ok {
				next = append(next, r)
			}
		}
		return len(ds), nil
	})
	if err != nil {
		// The writer may still be filling next: it must not be read.
		return nil, nil, err
	}
	slices.SortFunc(next, func(a, b outbox.Row) int { return cmp.Compare(a.Seq, b.Seq) })
	return next, notPending, nil
}

// recordOne marks one delivery and keeps a Post's receipt as the thread; ok
// is false when the row was not pending.
func (s *Store) recordOne(ctx context.Context, tx *sql.Tx, d outbox.Delivery) (k outboxRoute, ok bool, err error) {
	rows, err := s.w.query(ctx, tx, recordSQL, d.At.UnixNano(), d.Receipt.Channel, d.Receipt.TS, d.Seq)
	if err != nil {
		return k, false, err
	}
	var op string
	found := rows.Next()
	if found {
		err = rows.Scan(&k.incident, &k.notifier, &k.target, &op)
	}
	if err = errors.Join(err, rows.Close(), rows.Err()); err != nil || !found {
		return k, false, err
	}
	if notify.Op(op) == notify.Post {
		if _, err := s.w.exec(ctx, tx, threadPutSQL, k.incident, k.notifier, k.target, d.Receipt.Channel, d.Receipt.TS); err != nil {
			return k, false, err
		}
	}
	return k, true, nil
}

// claimHead leases k's oldest pending row when it is claimable at now.
func (s *Store) claimHead(ctx context.Context, tx *sql.Tx, k outboxRoute, now time.Time, lease time.Duration) (outbox.Row, bool, error) {
	rows, err := s.w.query(ctx, tx, nextHeadSQL, k.incident, k.notifier, k.target, now.UnixNano(), now.UnixNano())
	if err != nil {
		return outbox.Row{}, false, err
	}
	var r outbox.Row
	found := rows.Next()
	if found {
		r, err = store.ScanClaimedRow(rows)
	}
	if err = errors.Join(err, rows.Close(), rows.Err()); err != nil || !found {
		return outbox.Row{}, false, err
	}
	r.ClaimedUntil = now.Add(lease)
	if _, err := s.w.exec(ctx, tx, leaseRowSQL, r.ClaimedUntil.UnixNano(), r.Seq); err != nil {
		return outbox.Row{}, false, err
	}
	return r, true, nil
}
