package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

var _ store.Alerts = (*Store)(nil)

// tx runs fn in the writer's transaction, so alert writes queue behind and
// commit with result writes like any other write.
func (s *Store) tx(ctx context.Context, what string, fn func(ctx context.Context, tx *sql.Tx) (int, error)) (int, error) {
	n, err := s.submit(ctx, &request{rows: 1, fn: fn, urgent: true})
	if err != nil {
		return 0, fmt.Errorf("sqlite store: %s: %w", what, err)
	}
	return n, nil
}

// Enqueue appends messages to the outbox.
func (s *Store) Enqueue(ctx context.Context, ms []notify.Message) error {
	return s.SaveIncidents(ctx, nil, ms)
}

// Claim leases the deliverable head rows of the outbox. The rows are read
// with the claim they had, then leased, in the writer's one transaction (no
// other writer can claim them in between), and their messages decoded
// after it, out of the writer's way.
func (s *Store) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]outbox.Row, error) {
	var heads []store.RawOutboxRow
	_, err := s.tx(ctx, "claim outbox rows", func(ctx context.Context, tx *sql.Tx) (int, error) {
		heads = heads[:0]
		rows, err := s.w.query(ctx, tx, claimHeadsSQL, now.UnixNano(), now.UnixNano(), n)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			h, err := store.ScanRawClaimedRow(rows)
			if err != nil {
				return 0, err
			}
			heads = append(heads, h)
		}
		if err := rows.Err(); err != nil || len(heads) == 0 {
			return 0, err
		}
		seqs := make([]int64, len(heads))
		for i, h := range heads {
			seqs[i] = h.Seq()
		}
		if _, err := s.w.exec(ctx, tx, leaseRowsSQL, now.Add(lease).UnixNano(), seqsJSON(seqs)); err != nil {
			return 0, err
		}
		return len(heads), nil
	})
	if err != nil {
		// The writer may still be filling heads (the caller's context ended
		// first): it must not be read. Rows it claims come back after the lease.
		return nil, err
	}
	return s.decodeHeads(heads, now.Add(lease)), nil
}

// Delivered marks a row sent and keeps a Post's receipt as the thread.
func (s *Store) Delivered(ctx context.Context, seq int64, r notify.Receipt, at time.Time) error {
	_, err := s.tx(ctx, "mark delivered", func(ctx context.Context, tx *sql.Tx) (int, error) {
		if err := one(s.w.exec(ctx, tx, deliveredSQL, at.UnixNano(), r.Channel, r.TS, seq)); err != nil {
			return 0, fmt.Errorf("outbox row %d: %w", seq, err)
		}
		_, err := s.w.exec(ctx, tx, keepThreadSQL, r.Channel, r.TS, seq)
		return 0, err
	})
	return err
}

// Retry records a failed attempt.
func (s *Store) Retry(ctx context.Context, seq int64, errText string, notBefore time.Time) error {
	_, err := s.tx(ctx, "retry outbox row", func(ctx context.Context, tx *sql.Tx) (int, error) {
		return 0, one(s.w.exec(ctx, tx, retrySQL, errText, notBefore.UnixNano(), seq))
	})
	return err
}

// Fail marks a row permanently failed.
func (s *Store) Fail(ctx context.Context, seq int64, errText string, at time.Time) error {
	_, err := s.tx(ctx, "fail outbox row", func(ctx context.Context, tx *sql.Tx) (int, error) {
		return 0, one(s.w.exec(ctx, tx, failSQL, errText, at.UnixNano(), seq))
	})
	return err
}

// one checks that an update touched exactly one row.
func one(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return outbox.ErrNotPending
	}
	return nil
}

// Thread returns the receipt of an incident's first message on a route.
func (s *Store) Thread(ctx context.Context, incident, notifier, target string) (notify.Receipt, error) {
	var r notify.Receipt
	err := s.rstmts.queryRow(ctx, s.rdb, threadSQL,
		incident, notifier, target).Scan(&r.Channel, &r.TS)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Receipt{}, nil
	}
	if err != nil {
		return r, fmt.Errorf("sqlite store: thread of %s: %w", incident, err)
	}
	return r, nil
}

// Sent returns every outbox row of an incident, oldest first.
func (s *Store) Sent(ctx context.Context, incident string) ([]outbox.Row, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.OutboxColumns+` FROM outbox WHERE incident = ? ORDER BY seq`, incident)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: outbox of %s: %w", incident, err)
	}
	defer rows.Close()
	out := []outbox.Row{}
	for rows.Next() {
		r, err := store.ScanOutboxRow(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: outbox of %s: %w", incident, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Stats counts pending rows and the age of the oldest.
func (s *Store) Stats(ctx context.Context, now time.Time) (int, time.Duration, error) {
	var n int
	var oldest *int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*), MIN(decided_at) FROM outbox WHERE state = 'pending'`).Scan(&n, &oldest); err != nil {
		return 0, 0, fmt.Errorf("sqlite store: outbox stats: %w", err)
	}
	if oldest == nil {
		return n, 0, nil
	}
	return n, max(0, now.Sub(time.Unix(0, *oldest))), nil
}

// Incidents returns open incidents and those resolved since since.
func (s *Store) Incidents(ctx context.Context, since time.Time) ([]store.IncidentRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.IncidentColumns+` FROM incidents
		WHERE state <> ? OR updated_at >= ? ORDER BY updated_at DESC, id`, store.ResolvedState, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite store: incidents: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanIncidents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: incidents: %w", err)
	}
	return out, nil
}

// Incident returns one incident.
func (s *Store) Incident(ctx context.Context, id string) (store.IncidentRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.IncidentColumns+` FROM incidents WHERE id = ?`, id)
	if err != nil {
		return store.IncidentRecord{}, fmt.Errorf("sqlite store: incident %s: %w", id, err)
	}
	defer rows.Close()
	out, err := store.ScanIncidents(rows)
	if err != nil {
		return store.IncidentRecord{}, fmt.Errorf("sqlite store: incident %s: %w", id, err)
	}
	if len(out) == 0 {
		return store.IncidentRecord{}, fmt.Errorf("sqlite store: incident %s: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// PutSilence creates or replaces a silence.
func (s *Store) PutSilence(ctx context.Context, r store.SilenceRecord) error {
	_, err := s.tx(ctx, "put silence", func(ctx context.Context, tx *sql.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO silences (`+store.SilenceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_by = excluded.created_by,
			comment = excluded.comment, created_at = excluded.created_at, body = excluded.body`,
			r.ID, r.StartsAt.UnixNano(), r.EndsAt.UnixNano(), r.CreatedBy, r.Comment, r.CreatedAt.UnixNano(), string(r.Body))
		return 0, err
	})
	return err
}

// Silences returns silences ending after since.
func (s *Store) Silences(ctx context.Context, since time.Time) ([]store.SilenceRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.SilenceColumns+` FROM silences WHERE ends_at > ? ORDER BY starts_at, id`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite store: silences: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSilences(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: silences: %w", err)
	}
	return out, nil
}

// DeleteSilence removes a silence.
func (s *Store) DeleteSilence(ctx context.Context, id string) error {
	_, err := s.tx(ctx, "delete silence "+id, func(ctx context.Context, tx *sql.Tx) (int, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM silences WHERE id = ?`, id)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, store.ErrNotFound
		}
		return 0, nil
	})
	return err
}

// Renew extends each claim still as its deliverer knows it: another
// claim since, or an outcome (claimed_until 0), has changed claimed_until.
func (s *Store) Renew(ctx context.Context, claims []outbox.Claim, until time.Time) ([]int64, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	var out []int64
	_, err := s.tx(ctx, "renew outbox claims", func(ctx context.Context, tx *sql.Tx) (int, error) {
		out = out[:0]
		for _, c := range claims {
			res, err := s.w.exec(ctx, tx, renewSQL, until.UnixNano(), c.Seq, c.Until.UnixNano())
			if err != nil {
				return 0, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out = append(out, c.Seq)
			}
		}
		return len(out), nil
	})
	if err != nil {
		// The writer may still be filling out: it must not be read.
		return nil, err
	}
	return out, nil
}

// Release gives a claimed row back untried.
func (s *Store) Release(ctx context.Context, seq int64, notBefore time.Time) error {
	_, err := s.tx(ctx, "release outbox row", func(ctx context.Context, tx *sql.Tx) (int, error) {
		return 0, one(s.w.exec(ctx, tx, releaseSQL,
			notBefore.UnixNano(), seq))
	})
	return err
}
