package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// recordSQL marks the deliveries given as four JSON arrays, seqs (the
	// rows), times, channels and tss (the receipts), and returns the rows
	// it marked, those that were pending. Each array is parsed once (a
	// bound argument's parse is kept for the statement); an array of a
	// delivery's four values was parsed again, and turned back into text,
	// for each value read. The unary + keeps SQLite from reading every
	// pending row through outbox_pending, looking each up in the batch,
	// instead of each row of the batch by seq.
	recordSQL = `UPDATE outbox SET state = 'delivered', done_at = ?2 ->> d.key, channel = ?3 ->> d.key, ts = ?4 ->> d.key,
			attempts = attempts + 1, claimed_until = 0
			FROM json_each(?1) AS d WHERE outbox.seq = d.value AND +outbox.state = 'pending'
			RETURNING seq, op`
	// threadPutSQL keeps the receipts of the posts [seq, ...] just
	// recorded as their routes' threads. It, nextHeadsSQL and leaseRowsSQL
	// join the batch instead of testing seq IN (SELECT ...): SQLite builds
	// a temporary b-tree for each IN list, and for the result of an UPDATE
	// whose rows a subquery picks, and opening and dropping those cost
	// more than the few rows of a batch.
	threadPutSQL = `INSERT INTO threads (incident, notifier, target, channel, ts)
			SELECT o.incident, o.notifier, o.target, o.channel, o.ts FROM json_each(?) AS j JOIN outbox o ON o.seq = j.value
			WHERE true ON CONFLICT (incident, notifier, target) DO NOTHING`
	// leaseRowsSQL claims the rows [seq, ...] until the time given.
	leaseRowsSQL = `UPDATE outbox SET claimed_until = ?1 FROM json_each(?2) AS j WHERE outbox.seq = j.value`
)

// The statement of Record that reads rows (a variable: its columns are
// store.OutboxColumns, named in a join).
var (
	// nextHeadsSQL reads, with the claim it had, the oldest pending row of
	// the route of each row [seq, ...] when it is claimable (the
	// outbox_pending index finds each route's without a scan). Two rows
	// of one route give its head twice.
	nextHeadsSQL = `SELECT ` + outboxColumnsOf("o") + `, o.claimed_until FROM json_each(?1) AS j
			JOIN outbox r ON r.seq = j.value
			JOIN outbox o ON o.seq = (SELECT MIN(p.seq) FROM outbox p WHERE p.state = 'pending'
				AND p.incident = r.incident AND p.notifier = r.notifier AND p.target = r.target)
			WHERE o.not_before <= ?2 AND o.claimed_until <= ?3`
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
		heads      []store.RawOutboxRow
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
		if heads, err = s.claimNextHeads(ctx, tx, recorded, now, lease); err != nil {
			return 0, err
		}
		return len(ds), nil
	})
	if err != nil {
		// The writer may still be filling heads: it must not be read.
		return nil, nil, err
	}
	return s.decodeHeads(heads, now.Add(lease)), notPending, nil
}

// decodeHeads decodes the rows claimed, out of the writer's transaction,
// oldest first. A row whose message does not decode is left out, claimed:
// it comes back when its claim runs out, to Claim, which reports it; the
// deliveries are recorded whatever it holds.
func (s *Store) decodeHeads(heads []store.RawOutboxRow, until time.Time) []outbox.Row {
	next := make([]outbox.Row, 0, len(heads))
	for _, h := range heads {
		r, err := s.decodeHead(h)
		if err != nil {
			s.log.Error("outbox row claimed with a message that does not decode", "seq", h.Seq(), "err", err)
			continue
		}
		r.ClaimedUntil = until
		next = append(next, r)
	}
	slices.SortFunc(next, func(a, b outbox.Row) int { return cmp.Compare(a.Seq, b.Seq) })
	return next
}

// markDelivered runs recordSQL and returns the seqs it marked, and those
// of them that were posts.
func (s *Store) markDelivered(ctx context.Context, tx *sql.Tx, batch [4]string) (recorded, posts []int64, err error) {
	rows, err := s.w.query(ctx, tx, recordSQL, batch[0], batch[1], batch[2], batch[3])
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

// decodeHead returns h with its message: the one enqueued, when
// SaveAndClaim left it waiting (outboxwaiting.go), else decoded.
func (s *Store) decodeHead(h store.RawOutboxRow) (outbox.Row, error) {
	if m, ok := s.waiting.take(h.Seq()); ok {
		return h.WithMessage(m), nil
	}
	return h.Decode()
}

// claimNextHeads leases the oldest pending row of each route of the rows
// recorded when it is claimable at now, and returns them as read.
func (s *Store) claimNextHeads(ctx context.Context, tx *sql.Tx, recorded []int64, now time.Time, lease time.Duration) ([]store.RawOutboxRow, error) {
	if len(recorded) == 0 {
		return nil, nil
	}
	rows, err := s.w.query(ctx, tx, nextHeadsSQL, seqsJSON(recorded), now.UnixNano(), now.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("find the next rows: %w", err)
	}
	var heads []store.RawOutboxRow
	for rows.Next() {
		h, err := store.ScanRawClaimedRow(rows)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("find the next rows: %w", err), rows.Close())
		}
		if !slices.ContainsFunc(heads, func(g store.RawOutboxRow) bool { return g.Seq() == h.Seq() }) {
			heads = append(heads, h)
		}
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil || len(heads) == 0 {
		return nil, err
	}
	seqs := make([]int64, len(heads))
	for i, h := range heads {
		seqs[i] = h.Seq()
	}
	if _, err := s.w.exec(ctx, tx, leaseRowsSQL, now.Add(lease).UnixNano(), seqsJSON(seqs)); err != nil {
		return nil, fmt.Errorf("claim the next rows: %w", err)
	}
	return heads, nil
}

// deliveriesJSON is the batch as recordSQL takes it: its seqs, times,
// channels and tss. dups[i] is set when ds[i] repeats an earlier
// delivery's seq: it is left out, and found not pending as the earlier
// one was recorded first.
func deliveriesJSON(ds []outbox.Delivery) (batch [4]string, dups []bool) {
	dups = make([]bool, len(ds))
	var b [4][]byte
	for i := range b {
		b[i] = append(make([]byte, 0, 24*len(ds)), '[')
	}
	for i, d := range ds {
		if slices.ContainsFunc(ds[:i], func(e outbox.Delivery) bool { return e.Seq == d.Seq }) {
			dups[i] = true
			continue
		}
		if len(b[0]) > 1 {
			for j := range b {
				b[j] = append(b[j], ',')
			}
		}
		b[0] = strconv.AppendInt(b[0], d.Seq, 10)
		b[1] = strconv.AppendInt(b[1], d.At.UnixNano(), 10)
		b[2] = appendJSONString(b[2], d.Receipt.Channel)
		b[3] = appendJSONString(b[3], d.Receipt.TS)
	}
	for i := range b {
		batch[i] = string(append(b[i], ']'))
	}
	return batch, dups
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

// outboxColumnsOf is store.OutboxColumns of the table named t in a join.
func outboxColumnsOf(t string) string {
	cols := strings.Split(store.OutboxColumns, ", ")
	for i, c := range cols {
		cols[i] = t + "." + c
	}
	return strings.Join(cols, ", ")
}
