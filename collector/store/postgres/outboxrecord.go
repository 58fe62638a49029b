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

// recordSQL marks a batch of deliveries and keeps each Post's receipt as
// its route's thread; it returns the seqs it marked.
const recordSQL = `WITH c AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS c(seq, at, channel, ts)),
	d AS (UPDATE outbox o SET state = 'delivered', done_at = c.at, channel = c.channel, ts = c.ts, attempts = o.attempts + 1, claimed_until = 0
		FROM c WHERE o.seq = c.seq AND o.state = 'pending'
		RETURNING o.seq, o.incident, o.notifier, o.target, o.op, o.channel, o.ts),
	t AS (INSERT INTO threads (incident, notifier, target, channel, ts)
		SELECT incident, notifier, target, channel, ts FROM d WHERE op = 'post'
		ON CONFLICT (incident, notifier, target) DO NOTHING)
	SELECT seq FROM d`

// nextHeadsSQL claims the oldest pending row of each route of the rows
// recordSQL just marked (those delivered with the receipt given), when it
// is claimable, as Claim would: SKIP LOCKED passes over a row another
// collector is claiming, and the conditions are checked where rows are
// locked.
const nextHeadsSQL = `WITH routes AS (
		SELECT DISTINCT d.incident, d.notifier, d.target FROM outbox d
		JOIN unnest($1::bigint[], $2::text[], $3::text[]) AS c(seq, channel, ts) ON d.seq = c.seq
		WHERE d.state = 'delivered' AND d.channel = c.channel AND d.ts = c.ts),
	heads AS (
		SELECT (SELECT MIN(o.seq) FROM outbox o WHERE o.state = 'pending'
			AND o.incident = r.incident AND o.notifier = r.notifier AND o.target = r.target) AS seq FROM routes r),
	pick AS (
		SELECT o.seq, o.claimed_until AS prior FROM outbox o JOIN heads h ON o.seq = h.seq
		WHERE o.state = 'pending' AND o.not_before <= $4 AND o.claimed_until <= $4
		FOR UPDATE OF o SKIP LOCKED)
	UPDATE outbox SET claimed_until = $5 FROM pick WHERE outbox.seq = pick.seq
	RETURNING outbox.seq, outbox.message, outbox.attempts, outbox.not_before, outbox.state, outbox.last_error,
		outbox.done_at, outbox.channel, outbox.ts, pick.prior`

// Record marks deliveries and claims the rows they free, in one round trip
// (a batch runs in one implicit transaction): one for a batch of
// messages instead of a transaction each, and no Claim (which reads every
// pending row) to find the next message of each incident.
func (s *Store) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	if len(ds) == 0 {
		return nil, nil, nil
	}
	seqs, ats := make([]int64, len(ds)), make([]int64, len(ds))
	channels, tss := make([]string, len(ds)), make([]string, len(ds))
	for i, d := range ds {
		seqs[i], ats[i], channels[i], tss[i] = d.Seq, d.At.UnixNano(), d.Receipt.Channel, d.Receipt.TS
	}
	b := &pgx.Batch{}
	b.Queue(recordSQL, seqs, ats, channels, tss)
	b.Queue(nextHeadsSQL, seqs, channels, tss, now.UnixNano(), now.Add(lease).UnixNano())
	br := s.pool.SendBatch(ctx, b)
	marked, next, err := readRecord(br, now.Add(lease))
	if cerr := br.Close(); err == nil {
		err = cerr
	}
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

// readRecord reads the answers of Record's batch: the seqs marked, and the
// rows claimed until until.
func readRecord(br pgx.BatchResults, until time.Time) (marked []int64, next []outbox.Row, err error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	if marked, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := store.ScanClaimedRow(rows)
		if err != nil {
			return nil, nil, err
		}
		r.ClaimedUntil = until
		next = append(next, r)
	}
	return marked, next, rows.Err()
}
