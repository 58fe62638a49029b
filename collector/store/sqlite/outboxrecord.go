package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

var _ outbox.Recorder = (*Store)(nil)

// The statements of Record, prepared with the writer's others. Each takes
// the whole batch as one JSON array (json_each): a statement a message
// cost more than the rows it changed, above all recordSQL's RETURNING,
// for which SQLite opens and fills a temporary b-tree on every call.
const (
	// recordSQL marks the deliveries [[seq, at, channel, ts], ...] and
	// returns the rows it marked, those that were pending. The unary +
	// keeps SQLite from reading every pending row through outbox_pending,
	// looking each up in the batch, instead of each row of the batch by seq.
	recordSQL = `UPDATE outbox SET state = 'delivered', done_at = d.value->>1, channel = d.value->>2, ts = d.value->>3,
			attempts = attempts + 1, claimed_until = 0
			FROM json_each(?) AS d WHERE outbox.seq = d.value->>0 AND +outbox.state = 'pending'
			RETURNING seq, op`
	// threadPutSQL keeps the receipts of the posts [seq, ...] just
	// recorded as their routes' threads.
	threadPutSQL = `INSERT INTO threads (incident, notifier, target, channel, ts)
			SELECT incident, notifier, target, channel, ts FROM outbox WHERE seq IN (SELECT value FROM json_each(?))
			ON CONFLICT (incident, notifier, target) DO NOTHING`
	// nextHeadsSQL reads, with the claim it had, the oldest pending row of
	// the route of each row [seq, ...] when it is claimable (the
	// outbox_pending index finds each route's without a scan).
	nextHeadsSQL = `SELECT ` + store.OutboxColumns + `, claimed_until FROM outbox
			WHERE seq IN (SELECT (SELECT MIN(p.seq) FROM outbox p WHERE p.state = 'pending'
					AND p.incident = r.incident AND p.notifier = r.notifier AND p.target = r.target)
				FROM outbox r WHERE r.seq IN (SELECT value FROM json_each(?)))
			AND not_before <= ? AND claimed_until <= ?`
	// leaseRowsSQL claims the rows [seq, ...] until the time given.
	leaseRowsSQL = `UPDATE outbox SET claimed_until = ? WHERE seq IN (SELECT value FROM json_each(?))`
)

// Record marks deliveries and claims the rows they free, in one writer
// request: one transaction for a batch of messages instead of one
// request each, and no Claim (which reads every pending row) to find the
// next message of each incident. Each step is one statement for the
// whole batch.
func (s *Store) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	if len(ds) == 0 {
		return nil, nil, nil
	}
	batch, dups := deliveriesJSON(ds)
	var (
		next       []outbox.Row
		notPending []int64
	)
	_, err := s.tx(ctx, "record outbox deliveries", func(ctx context.Context, tx *sql.Tx) (int, error) {
		recorded, posts, err := s.markDelivered(ctx, tx, batch)
		if err != nil {
			return 0, err
		}
		notPending = notPending[:0]
		for i, d := range ds {
			if dups[i] || !slices.Contains(recorded, d.Seq) {
				notPending = append(notPending, d.Seq)
			}
		}
		if len(posts) > 0 {
			if _, err := s.w.exec(ctx, tx, threadPutSQL, seqsJSON(posts)); err != nil {
				return 0, fmt.Errorf("keep the threads of posts %v: %w", posts, err)
			}
		}
		if next, err = s.claimNextHeads(ctx, tx, recorded, now, lease); err != nil {
			return 0, err
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

// markDelivered runs recordSQL and returns the seqs it marked, and those
// of them that were posts.
func (s *Store) markDelivered(ctx context.Context, tx *sql.Tx, batch string) (recorded, posts []int64, err error) {
	rows, err := s.w.query(ctx, tx, recordSQL, batch)
	if err != nil {
		return nil, nil, fmt.Errorf("mark deliveries: %w", err)
	}
	for rows.Next() {
		var seq int64
		var op string
		if err := rows.Scan(&seq, &op); err != nil {
			return nil, nil, errors.Join(fmt.Errorf("mark deliveries: %w", err), rows.Close())
		}
		recorded = append(recorded, seq)
		if notify.Op(op) == notify.Post {
			posts = append(posts, seq)
		}
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return nil, nil, fmt.Errorf("mark deliveries: %w", err)
	}
	return recorded, posts, nil
}

// claimNextHeads leases the oldest pending row of each route of the rows
// recorded when it is claimable at now, and returns them.
func (s *Store) claimNextHeads(ctx context.Context, tx *sql.Tx, recorded []int64, now time.Time, lease time.Duration) ([]outbox.Row, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	rows, err := s.w.query(ctx, tx, nextHeadsSQL, seqsJSON(recorded), now.UnixNano(), now.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("find the next rows: %w", err)
	}
	var next []outbox.Row
	for rows.Next() {
		r, err := store.ScanClaimedRow(rows)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("find the next rows: %w", err), rows.Close())
		}
		r.ClaimedUntil = now.Add(lease)
		next = append(next, r)
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil || len(next) == 0 {
		return nil, err
	}
	seqs := make([]int64, len(next))
	for i, r := range next {
		seqs[i] = r.Seq
	}
	if _, err := s.w.exec(ctx, tx, leaseRowsSQL, now.Add(lease).UnixNano(), seqsJSON(seqs)); err != nil {
		return nil, fmt.Errorf("claim the next rows: %w", err)
	}
	return next, nil
}

// deliveriesJSON is the batch as recordSQL takes it. dups[i] is set when
// ds[i] repeats an earlier delivery's seq: it is left out, and found not
// pending as the earlier one was recorded first.
func deliveriesJSON(ds []outbox.Delivery) (batch string, dups []bool) {
	dups = make([]bool, len(ds))
	b := make([]byte, 0, 64*len(ds))
	b = append(b, '[')
	for i, d := range ds {
		if slices.ContainsFunc(ds[:i], func(e outbox.Delivery) bool { return e.Seq == d.Seq }) {
			dups[i] = true
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, d.Seq, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, d.At.UnixNano(), 10)
		b = append(b, ',')
		b = appendJSONString(b, d.Receipt.Channel)
		b = append(b, ',')
		b = appendJSONString(b, d.Receipt.TS)
		b = append(b, ']')
	}
	return string(append(b, ']')), dups
}

// seqsJSON is seqs as a JSON array.
func seqsJSON(seqs []int64) string {
	b := make([]byte, 0, 12*len(seqs)+2)
	b = append(b, '[')
	for i, seq := range seqs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, seq, 10)
	}
	return string(append(b, ']'))
}

// appendJSONString appends s as a JSON string that SQLite's JSON functions
// read back byte for byte: quote, backslash and control characters are
// escaped; every other byte, invalid UTF-8 included, is copied (SQLite
// neither checks nor replaces it).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
