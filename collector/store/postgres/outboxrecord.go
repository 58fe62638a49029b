package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

var _ outbox.Recorder = (*Store)(nil)

// pendingByKey tests that a row an outbox statement found by its seq (the
// primary key) is still pending. Written as `o.state = 'pending'` the test
// is one the planner may serve with outbox_pending (state leads it) instead
// of the primary key: with statistics from when the outbox was small or
// had nothing pending (the first minutes of a wave, or of any backlog) it
// walks every pending row, or hashes them, for each statement. IS TRUE
// makes it a filter no index serves, so the row is found by its key and
// then checked, whatever the statistics. TestTheOutboxStatementsUseTheirKeys
// holds this.
const pendingByKey = `(o.state = 'pending') IS TRUE`

// recordSQL marks a batch of deliveries ($1 seqs, $2 times, $3 channels,
// $4 timestamps), keeps each Post's receipt as its route's thread, and
// claims until $6 the oldest pending row of each route it marked when that
// row is claimable at $5, as Claim would: SKIP LOCKED passes over a row
// another collector is claiming, and the conditions are checked where rows
// are locked. It answers a row per seq marked (claimed false, the rest
// NULL) and a row per row claimed.
//
// It is one statement, so every part reads one snapshot, in which the
// rows being marked are still pending: the next row of a route is the
// oldest pending one that is not among them. Every step finds rows by an
// index key: the seqs given (the primary key, each delivery's values
// taken from the arrays by its position), the routes (outbox_pending's
// prefix), the heads chosen (the primary key).
const recordSQL = `WITH d AS (
		UPDATE outbox o SET state = 'delivered', attempts = o.attempts + 1, claimed_until = 0,
			done_at = ($2::bigint[])[array_position($1::bigint[], o.seq)],
			channel = ($3::text[])[array_position($1::bigint[], o.seq)],
			ts = ($4::text[])[array_position($1::bigint[], o.seq)]
		WHERE o.seq = ANY($1::bigint[]) AND ` + pendingByKey + `
		RETURNING o.seq, o.incident, o.notifier, o.target, o.op, o.channel, o.ts),
	t AS (INSERT INTO threads (incident, notifier, target, channel, ts)
		SELECT incident, notifier, target, channel, ts FROM d WHERE op = 'post'
		ON CONFLICT (incident, notifier, target) DO NOTHING),
	heads AS (
		SELECT h.seq FROM (SELECT DISTINCT incident, notifier, target FROM d) r CROSS JOIN LATERAL (
			SELECT o.seq FROM outbox o WHERE o.state = 'pending' AND o.incident = r.incident AND o.notifier = r.notifier
				AND o.target = r.target AND o.seq <> ALL($1::bigint[])
			ORDER BY o.seq LIMIT 1) h),
	pick AS (
		SELECT o.seq, o.claimed_until AS prior FROM outbox o
		WHERE o.seq = ANY(ARRAY(SELECT seq FROM heads)) AND ` + pendingByKey + ` AND o.not_before <= $5 AND o.claimed_until <= $5
		FOR UPDATE OF o SKIP LOCKED),
	claimed AS (
		UPDATE outbox o SET claimed_until = $6 FROM pick WHERE o.seq = pick.seq
		RETURNING o.seq, o.message, o.attempts, o.not_before, o.state, o.last_error, o.done_at, o.channel, o.ts, pick.prior)
	SELECT true, seq, message, attempts, not_before, state, last_error, done_at, channel, ts, prior FROM claimed
	UNION ALL SELECT false, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM d`

// Record marks deliveries and claims the rows they free, in one statement
// (one round trip, one transaction): one for a batch of messages instead
// of a transaction each, and no Claim (which reads every pending row) to
// find the next message of each incident.
func (s *Store) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	if len(ds) == 0 {
		return nil, nil, nil
	}
	seqs, ats := make([]int64, len(ds)), make([]int64, len(ds))
	channels, tss := make([]string, len(ds)), make([]string, len(ds))
	for i, d := range ds {
		seqs[i], ats[i], channels[i], tss[i] = d.Seq, d.At.UnixNano(), d.Receipt.Channel, d.Receipt.TS
	}
	rows, err := s.pool.Query(ctx, recordSQL, seqs, ats, channels, tss, now.UnixNano(), now.Add(lease).UnixNano())
	if err != nil {
		return nil, nil, fmt.Errorf("postgres store: record outbox deliveries: %w", err)
	}
	marked, next, err := readRecord(rows, now.Add(lease))
	if err != nil {
		return nil, nil, fmt.Errorf("postgres store: record outbox deliveries: %w", err)
	}
	var notPending []int64
	for _, seq := range seqs {
		if !slices.Contains(marked, seq) {
			notPending = append(notPending, seq)
		}
	}
	slices.SortFunc(next, func(a, b outbox.Row) int { return cmp.Compare(a.Seq, b.Seq) })
	return next, notPending, nil
}

// readRecord reads recordSQL's answer: the seqs marked, and the rows
// claimed until until.
func readRecord(rows pgx.Rows, until time.Time) (marked []int64, next []outbox.Row, err error) {
	defer rows.Close()
	for rows.Next() {
		var claimed bool
		var seq int64
		// A marked seq's row has NULLs past its seq: nil skips them.
		if err := rows.Scan(&claimed, &seq, nil, nil, nil, nil, nil, nil, nil, nil, nil); err != nil {
			return nil, nil, err
		}
		if !claimed {
			marked = append(marked, seq)
			continue
		}
		r, err := store.ScanClaimedRow(afterFirst{rows})
		if err != nil {
			return nil, nil, err
		}
		r.ClaimedUntil = until
		next = append(next, r)
	}
	return marked, next, rows.Err()
}

// afterFirst scans a row but its first column, which the caller has read.
type afterFirst struct{ pgx.Rows }

func (r afterFirst) Scan(dest ...any) error {
	return r.Rows.Scan(append([]any{nil}, dest...)...)
}
