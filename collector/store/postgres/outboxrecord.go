package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/notify"
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
	rows, err := s.pool.Query(ctx, s.sized(recordSQL, slices.Max(seqs)), seqs, ats, channels, tss, now.UnixNano(), now.Add(lease).UnixNano())
	if err != nil {
		return nil, nil, fmt.Errorf("postgres store: record outbox deliveries: %w", err)
	}
	marked, next, err := readRecord(rows, now.Add(lease))
	if err != nil {
		return nil, nil, fmt.Errorf("postgres store: record outbox deliveries: %w", err)
	}
	s.sawRows(next)
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

// enqueueSQL appends messages given as arrays, in their order, and leases
// until $8 each one marked a head ($7: the first of its route in the
// batch) when no older row of its route is pending: SaveAndClaim's claim,
// made as the rows are written rather than by updating them after. The
// route's pending rows are looked up by outbox_pending's prefix, a
// subquery for each message (LIMIT keeps the planner from making it a
// hash of every pending row). It answers each row's seq, whether it was
// claimed, and what the order check of readEnqueued compares.
//
// The arrays reach unnest through a subquery the planner keeps (OFFSET
// 0), so that a plan made for the arguments estimates their length as the
// cached generic plan does (10) rather than counting them: PostgreSQL
// keeps planning a prepared statement for each call for as long as those
// plans look cheaper than the generic one, and the plans counted for the
// common batch of one to three messages always did. Every call was planned
// (some 0.2-0.3 ms of the server's, a third of what the statement cost),
// for a plan of the same shape. TestTheEnqueueIsPlannedOnce holds this.
// Its generic plan is then kept, so the text carries the outbox's size
// class (Store.sized), as Record's does.
const enqueueSQL = `INSERT INTO outbox (incident, notifier, target, op, message, decided_at, claimed_until)
	SELECT m.incident, m.notifier, m.target, m.op, m.message, m.decided_at,
		CASE WHEN m.head AND (SELECT p.seq FROM outbox p WHERE p.state = 'pending' AND p.incident = m.incident
			AND p.notifier = m.notifier AND p.target = m.target LIMIT 1) IS NULL THEN $8::bigint ELSE 0 END
	FROM (SELECT $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bool[] OFFSET 0)
		AS a(incident, notifier, target, op, message, decided_at, head)
	CROSS JOIN LATERAL unnest(a.incident, a.notifier, a.target, a.op, a.message, a.decided_at, a.head)
		WITH ORDINALITY AS m(incident, notifier, target, op, message, decided_at, head, i)
	ORDER BY m.i
	RETURNING seq, claimed_until <> 0, incident, notifier, target, op`

// enqueued is the seq a message was given and whether it was claimed.
type enqueued struct {
	seq     int64
	claimed bool
}

// readEnqueued reads enqueueSQL's answer, in seq order, which is the
// messages' order: it checks each row against its message, so that a
// claimed row is never handed out with another's message.
func readEnqueued(rows pgx.Rows, ms []notify.Message) ([]enqueued, error) {
	type row struct {
		enqueued
		incident, notifier, target, op string
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.seq, &x.claimed, &x.incident, &x.notifier, &x.target, &x.op)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue messages: %w", err)
	}
	if len(got) != len(ms) {
		return nil, fmt.Errorf("enqueue messages: %d rows for %d messages", len(got), len(ms))
	}
	slices.SortFunc(got, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]enqueued, len(ms))
	for i, m := range ms {
		g := got[i]
		if g.incident != m.IncidentID || g.notifier != m.Notifier || g.target != m.Target || g.op != string(m.Op) {
			return nil, fmt.Errorf("enqueue messages: row %d is %s %s/%s %s, want message %d's %s %s/%s %s",
				g.seq, g.incident, g.notifier, g.target, g.op, i, m.IncidentID, m.Notifier, m.Target, m.Op)
		}
		out[i] = g.enqueued
	}
	return out, nil
}

// messageArrays makes enqueueSQL's first seven arguments of ms; heads (nil:
// none) marks the messages to claim if their route has nothing pending.
func messageArrays(ms []notify.Message, heads []bool) ([]any, error) {
	n := len(ms)
	incidents, notifiers, targets, ops, msgs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	decided, head := make([]int64, n), make([]bool, n)
	for i, m := range ms {
		enc, err := store.EncodeMessage(m)
		if err != nil {
			return nil, fmt.Errorf("encode message for incident %s: %w", m.IncidentID, err)
		}
		incidents[i], notifiers[i], targets[i], ops[i], msgs[i], decided[i] = m.IncidentID, m.Notifier, m.Target, string(m.Op), enc, m.DecidedAt.UnixNano()
		head[i] = heads != nil && heads[i]
	}
	return []any{incidents, notifiers, targets, ops, msgs, decided, head}, nil
}

// routeHeads marks each message that is the first of its route in ms: the
// only one of the route that may head it once they are enqueued.
func routeHeads(ms []notify.Message) []bool {
	type route struct{ incident, notifier, target string }
	seen := make(map[route]bool, len(ms))
	heads := make([]bool, len(ms))
	for i, m := range ms {
		k := route{m.IncidentID, m.Notifier, m.Target}
		heads[i] = !seen[k]
		seen[k] = true
	}
	return heads
}
