package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

// SaveIncidents upserts incidents and enqueues messages in one transaction.
func (s *Store) SaveIncidents(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message) error {
	enc, err := encodeMessages(ms)
	if err != nil {
		return fmt.Errorf("sqlite store: save incidents: %w", err)
	}
	_, err = s.tx(ctx, "save incidents", func(ctx context.Context, tx *sql.Tx) (int, error) {
		if err := s.upsertIncidents(ctx, tx, incs); err != nil {
			return 0, err
		}
		_, err := s.enqueue(ctx, tx, ms, enc)
		return 0, err
	})
	return err
}

// SaveAndClaim saves like SaveIncidents and, in the same transaction,
// leases the rows it enqueued that head their incident route, for the
// caller's deliverer: the rows are not claimed again by a later commit.
func (s *Store) SaveAndClaim(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message, now time.Time, lease time.Duration) ([]outbox.Row, error) {
	enc, err := encodeMessages(ms)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: save incidents: %w", err)
	}
	var (
		out  []outbox.Row
		seqs []int64
	)
	_, err = s.tx(ctx, "save incidents", func(ctx context.Context, tx *sql.Tx) (int, error) {
		out, seqs = out[:0], nil
		if err := s.upsertIncidents(ctx, tx, incs); err != nil {
			return 0, err
		}
		var err error
		seqs, err = s.enqueue(ctx, tx, ms, enc)
		if err != nil || len(ms) == 0 {
			return 0, err
		}
		heads, err := s.enqueuedHeads(ctx, tx, seqs[0], now)
		if err != nil || len(heads) == 0 {
			return 0, err
		}
		if _, err := s.w.exec(ctx, tx, leaseRowsSQL, now.Add(lease).UnixNano(), seqsJSON(heads)); err != nil {
			return 0, err
		}
		for _, seq := range heads {
			r, err := enqueued(seq, seqs, ms)
			if err != nil {
				return 0, err
			}
			r.ClaimedUntil = now.Add(lease)
			out = append(out, r)
		}
		return 0, nil
	})
	if err != nil {
		return nil, err
	}
	// Committed: the rows left waiting behind others are remembered for
	// Record, which claims them next.
	s.waiting.keep(seqs, ms, out)
	slices.SortFunc(out, func(a, b outbox.Row) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// enqueuedHeads returns the seqs of the rows enqueued from first on that
// head their route and are claimable at now.
func (s *Store) enqueuedHeads(ctx context.Context, tx *sql.Tx, first int64, now time.Time) ([]int64, error) {
	rows, err := s.w.query(ctx, tx, claimEnqueued, first, now.UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var heads []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		heads = append(heads, seq)
	}
	return heads, rows.Err()
}

// enqueued is the row seq just enqueued as ms[i], seqs[i] = seq, as Claim
// would read it back: the message is the caller's, not decoded again from
// what was stored (a wave's engine saves thousands).
func enqueued(seq int64, seqs []int64, ms []notify.Message) (outbox.Row, error) {
	i, ok := slices.BinarySearch(seqs, seq)
	if !ok {
		return outbox.Row{}, fmt.Errorf("claimed outbox row %d was not just enqueued", seq)
	}
	return outbox.Row{Seq: seq, Message: ms[i], State: outbox.Pending}, nil
}

// The statements of the alert engine's saves write several rows each, a
// statement for 32 rows, 16, 8, 4, 2 and 1 (rowsAt): a wave's engine
// saves hundreds of incidents and messages at once, and a statement a row
// cost more than the row it wrote. upsertIncidentsSQL[i] and enqueueSQL[i]
// write rowsAt[i] rows.
var (
	rowsAt             = [...]int{32, 16, 8, 4, 2, 1}
	upsertIncidentsSQL = multiRow(`INSERT INTO incidents (`+store.IncidentColumns+`) VALUES `, 8,
		` ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, body = excluded.body`)
	enqueueSQL = multiRow(`INSERT INTO outbox (incident, notifier, target, op, message, decided_at) VALUES `, 6, ``)
)

// multiRow returns the statements head VALUES (?, ...), ... tail for each
// row count of rowsAt, with cols parameters a row.
func multiRow(head string, cols int, tail string) [len(rowsAt)]string {
	var out [len(rowsAt)]string
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	for i, n := range rowsAt {
		out[i] = head + strings.Repeat(row+", ", n-1) + row + tail
	}
	return out
}

// rowsFor returns the index in rowsAt of the largest statement for n rows.
func rowsFor(n int) int {
	for i, k := range rowsAt {
		if k <= n {
			return i
		}
	}
	return len(rowsAt) - 1
}

// upsertIncidents writes incs in order: a later record of an incident in
// the same statement updates the row the earlier one wrote, as SQLite
// applies a statement's rows one after the other.
func (s *Store) upsertIncidents(ctx context.Context, tx *sql.Tx, incs []store.IncidentRecord) error {
	args := make([]any, 0, 8*min(len(incs), rowsAt[0]))
	for rest := incs; len(rest) > 0; {
		i := rowsFor(len(rest))
		args = args[:0]
		for _, r := range rest[:rowsAt[i]] {
			args = append(args, r.ID, r.Branch, r.Device, r.Check, r.State, r.OpenedAt.UnixNano(), r.UpdatedAt.UnixNano(), string(r.Body))
		}
		if _, err := s.w.exec(ctx, tx, upsertIncidentsSQL[i], args...); err != nil {
			return fmt.Errorf("incidents %s to %s: %w", rest[0].ID, rest[rowsAt[i]-1].ID, err)
		}
		rest = rest[rowsAt[i]:]
	}
	return nil
}

func encodeMessages(ms []notify.Message) ([]string, error) {
	enc := make([]string, len(ms))
	for i, m := range ms {
		var err error
		if enc[i], err = store.EncodeMessage(m); err != nil {
			return nil, fmt.Errorf("encode message for incident %s: %w", m.IncidentID, err)
		}
	}
	return enc, nil
}

// enqueue inserts messages and returns their seqs, in order. A statement
// inserts its rows in the order of its VALUES, each taking the next seq
// (AUTOINCREMENT, one writer): its rows' seqs are the n up to the last.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, ms []notify.Message, enc []string) ([]int64, error) {
	seqs := make([]int64, 0, len(ms))
	args := make([]any, 0, 6*min(len(ms), rowsAt[0]))
	for len(seqs) < len(ms) {
		from, i := len(seqs), rowsFor(len(ms)-len(seqs))
		n := rowsAt[i]
		args = args[:0]
		for j, m := range ms[from : from+n] {
			args = append(args, m.IncidentID, m.Notifier, m.Target, string(m.Op), enc[from+j], m.DecidedAt.UnixNano())
		}
		res, err := s.w.exec(ctx, tx, enqueueSQL[i], args...)
		if err != nil {
			return nil, fmt.Errorf("enqueue for incident %s: %w", ms[from].IncidentID, err)
		}
		last, err := res.LastInsertId()
		if err != nil {
			return nil, fmt.Errorf("enqueue for incident %s: %w", ms[from].IncidentID, err)
		}
		for seq := last - int64(n) + 1; seq <= last; seq++ {
			seqs = append(seqs, seq)
		}
	}
	return seqs, nil
}
