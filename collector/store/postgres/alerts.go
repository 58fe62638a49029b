package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store"
)

var _ store.Alerts = (*Store)(nil)

// SaveIncidents upserts incidents and enqueues messages in one transaction.
func (s *Store) SaveIncidents(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message) error {
	if _, err := s.sendSave(ctx, s.pool, incs, ms, nil, 0); err != nil {
		return fmt.Errorf("postgres store: save incidents: %w", err)
	}
	return nil
}

// SaveAndClaim saves like SaveIncidents and, in the same transaction,
// leases the rows it enqueued that head their incident route, for the
// caller's deliverer. No other collector sees the new rows before the
// commit, so no lock is needed to claim them.
func (s *Store) SaveAndClaim(ctx context.Context, incs []store.IncidentRecord, ms []notify.Message, now time.Time, lease time.Duration) ([]outbox.Row, error) {
	until := now.Add(lease)
	seqs, err := s.sendSave(ctx, s.pool, incs, ms, routeHeads(ms), until.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres store: save incidents: %w", err)
	}
	var out []outbox.Row
	for i, seq := range seqs {
		if seq.claimed {
			// The message is the caller's, not decoded again from what
			// was stored (a wave's engine saves thousands).
			out = append(out, outbox.Row{Seq: seq.seq, Message: ms[i], State: outbox.Pending, ClaimedUntil: until})
		}
	}
	return out, nil
}

// upsertIncidentsSQL upserts incidents given as arrays, one row an id.
const upsertIncidentsSQL = `INSERT INTO incidents (` + store.IncidentColumns + `)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[])
	ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, body = excluded.body`

// saveIncidents upserts incidents and enqueues messages inside tx.
func (s *Store) saveIncidents(ctx context.Context, tx pgx.Tx, incs []store.IncidentRecord, ms []notify.Message) error {
	_, err := s.sendSave(ctx, tx, incs, ms, nil, 0)
	return err
}

// batchSender is a pool or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// sendSave upserts incidents and enqueues messages in one round trip (a
// batch sent outside a transaction runs in one implicit transaction), a
// statement for all the incidents and one for all the messages: a wave's
// save of a hundred incidents and messages, a statement at a time, took a
// second on a loaded server, and the alert engine waits for it. It leases
// until until the messages heads marks that head their route; heads nil
// claims none. The enqueue's text is of the outbox's size class, as
// Record's is (Store.sized): its generic plan, made once per connection
// and class, probes the pending rows of each message's route.
func (s *Store) sendSave(ctx context.Context, db batchSender, incs []store.IncidentRecord, ms []notify.Message, heads []bool, until int64) ([]enqueued, error) {
	b := &pgx.Batch{}
	if len(incs) > 0 {
		b.Queue(upsertIncidentsSQL, incidentArrays(incs)...)
	}
	if len(ms) > 0 {
		args, err := messageArrays(ms, heads)
		if err != nil {
			return nil, err
		}
		b.Queue(s.sized(enqueueSQL, 0), append(args, until)...)
	}
	if b.Len() == 0 {
		return nil, nil
	}
	br := db.SendBatch(ctx, b)
	out, err := readSave(br, len(incs) > 0, ms)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	for _, e := range out {
		s.sawSeq(e.seq)
	}
	return out, err
}

// readSave reads saveIncidents' answers.
func readSave(br pgx.BatchResults, incidents bool, ms []notify.Message) ([]enqueued, error) {
	if incidents {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("upsert incidents: %w", err)
		}
	}
	if len(ms) == 0 {
		return nil, nil
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("enqueue messages: %w", err)
	}
	return readEnqueued(rows, ms)
}

// incidentArrays makes upsertIncidentsSQL's arguments of incs, an entry
// an id: as the upserts one after the other would leave it, with the
// first record's branch, device, check and opening, and the last's state,
// update time and body (an upsert changes only those, and one statement
// may not change a row twice).
func incidentArrays(incs []store.IncidentRecord) []any {
	at := make(map[string]int, len(incs))
	var ids, branches, devices, checks, states, bodies []string
	var opened, updated []int64
	for _, r := range incs {
		if i, ok := at[r.ID]; ok {
			states[i], updated[i], bodies[i] = r.State, r.UpdatedAt.UnixNano(), string(r.Body)
			continue
		}
		at[r.ID] = len(ids)
		ids, branches, devices, checks = append(ids, r.ID), append(branches, r.Branch), append(devices, r.Device), append(checks, r.Check)
		states, opened, updated = append(states, r.State), append(opened, r.OpenedAt.UnixNano()), append(updated, r.UpdatedAt.UnixNano())
		bodies = append(bodies, string(r.Body))
	}
	return []any{ids, branches, devices, checks, states, opened, updated, bodies}
}

// Enqueue appends messages to the outbox.
func (s *Store) Enqueue(ctx context.Context, ms []notify.Message) error {
	return s.SaveIncidents(ctx, nil, ms)
}

// claimSQL leases until $3 up to $2 route heads claimable at $1, oldest
// first. The heads are found a route at a time, each the first pending row
// past the previous route in outbox_pending (a walk of the index's routes,
// as DISTINCT ON cannot), and the claimable ones are then found by their
// seqs: every step is an index probe whatever the statistics. A DISTINCT ON
// of the pending rows joined to the outbox was planned, with statistics
// from when nothing was pending, as a nested loop running the DISTINCT ON
// again for each pending row (42 s for 3,000 pending rows), and with
// statistics from when everything was, as a sort of the whole table.
const claimSQL = `WITH RECURSIVE routes AS (
		(SELECT incident, notifier, target, seq, not_before, claimed_until FROM outbox
			WHERE state = 'pending' ORDER BY incident, notifier, target, seq LIMIT 1)
		UNION ALL
		SELECT n.* FROM routes r CROSS JOIN LATERAL (
			SELECT o.incident, o.notifier, o.target, o.seq, o.not_before, o.claimed_until FROM outbox o
			WHERE o.state = 'pending' AND (o.incident, o.notifier, o.target) > (r.incident, r.notifier, r.target)
			ORDER BY o.incident, o.notifier, o.target, o.seq LIMIT 1) n),
	pick AS (
		SELECT o.seq, o.claimed_until AS prior FROM outbox o
		WHERE o.seq = ANY(ARRAY(SELECT seq FROM routes WHERE not_before <= $1 AND claimed_until <= $1))
			AND ` + pendingByKey + ` AND o.not_before <= $1 AND o.claimed_until <= $1
		ORDER BY o.seq LIMIT $2 FOR UPDATE OF o SKIP LOCKED)
	UPDATE outbox SET claimed_until = $3 FROM pick WHERE outbox.seq = pick.seq
	RETURNING outbox.seq, outbox.message, outbox.attempts, outbox.not_before, outbox.state, outbox.last_error,
		outbox.done_at, outbox.channel, outbox.ts, pick.prior`

// Claim leases the deliverable head rows of the outbox. SKIP LOCKED lets
// several collectors claim at once without waiting on, or sharing, a row.
// The state is checked again where rows are locked: under READ COMMITTED a
// row another claimer delivered after this statement's snapshot is
// re-read when locked, and only the locking conditions see its new state.
func (s *Store) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]outbox.Row, error) {
	rows, err := s.pool.Query(ctx, s.sized(claimSQL, 0), now.UnixNano(), n, now.Add(lease).UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres store: claim outbox rows: %w", err)
	}
	defer rows.Close()
	out := []outbox.Row{}
	for rows.Next() {
		r, err := store.ScanClaimedRow(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres store: claim outbox rows: %w", err)
		}
		r.ClaimedUntil = now.Add(lease)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres store: claim outbox rows: %w", err)
	}
	slices.SortFunc(out, func(a, b outbox.Row) int { return cmp.Compare(a.Seq, b.Seq) })
	s.sawRows(out)
	return out, nil
}

// Delivered marks a row sent and keeps a Post's receipt as the thread.
func (s *Store) Delivered(ctx context.Context, seq int64, r notify.Receipt, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := one(tx.Exec(ctx, s.sized(`UPDATE outbox SET state = 'delivered', done_at = $1, channel = $2, ts = $3, attempts = attempts + 1,
			claimed_until = 0 WHERE seq = $4 AND state = 'pending'`, seq), at.UnixNano(), r.Channel, r.TS, seq)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO threads (incident, notifier, target, channel, ts)
			SELECT incident, notifier, target, $1, $2 FROM outbox WHERE seq = $3 AND op = 'post'
			ON CONFLICT (incident, notifier, target) DO NOTHING`, r.Channel, r.TS, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres store: mark outbox row %d delivered: %w", seq, err)
	}
	return nil
}

// Retry records a failed attempt.
func (s *Store) Retry(ctx context.Context, seq int64, errText string, notBefore time.Time) error {
	if err := one(s.pool.Exec(ctx, s.sized(`UPDATE outbox SET attempts = attempts + 1, last_error = $1, not_before = $2, claimed_until = 0
		WHERE seq = $3 AND state = 'pending'`, seq), errText, notBefore.UnixNano(), seq)); err != nil {
		return fmt.Errorf("postgres store: retry outbox row %d: %w", seq, err)
	}
	return nil
}

// Fail marks a row permanently failed.
func (s *Store) Fail(ctx context.Context, seq int64, errText string, at time.Time) error {
	if err := one(s.pool.Exec(ctx, s.sized(`UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $1, done_at = $2,
		claimed_until = 0 WHERE seq = $3 AND state = 'pending'`, seq), errText, at.UnixNano(), seq)); err != nil {
		return fmt.Errorf("postgres store: fail outbox row %d: %w", seq, err)
	}
	return nil
}

func one(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return outbox.ErrNotPending
	}
	return nil
}

// Thread returns the receipt of an incident's first message on a route.
func (s *Store) Thread(ctx context.Context, incident, notifier, target string) (notify.Receipt, error) {
	var r notify.Receipt
	err := s.pool.QueryRow(ctx, `SELECT channel, ts FROM threads WHERE incident = $1 AND notifier = $2 AND target = $3`,
		incident, notifier, target).Scan(&r.Channel, &r.TS)
	if errors.Is(err, pgx.ErrNoRows) {
		return notify.Receipt{}, nil
	}
	if err != nil {
		return r, fmt.Errorf("postgres store: thread of %s: %w", incident, err)
	}
	return r, nil
}

// Sent returns every outbox row of an incident, oldest first.
func (s *Store) Sent(ctx context.Context, incident string) ([]outbox.Row, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.OutboxColumns+` FROM outbox WHERE incident = $1 ORDER BY seq`, incident)
	if err != nil {
		return nil, fmt.Errorf("postgres store: outbox of %s: %w", incident, err)
	}
	defer rows.Close()
	out := []outbox.Row{}
	for rows.Next() {
		r, err := store.ScanOutboxRow(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres store: outbox of %s: %w", incident, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Stats counts pending rows and the age of the oldest.
func (s *Store) Stats(ctx context.Context, now time.Time) (int, time.Duration, error) {
	var n int
	var oldest *int64
	if err := s.pool.QueryRow(ctx, s.sized(`SELECT COUNT(*), MIN(decided_at) FROM outbox WHERE state = 'pending'`, 0)).Scan(&n, &oldest); err != nil {
		return 0, 0, fmt.Errorf("postgres store: outbox stats: %w", err)
	}
	if oldest == nil {
		return n, 0, nil
	}
	return n, max(0, now.Sub(time.Unix(0, *oldest))), nil
}

// Incidents returns open incidents and those resolved since since.
func (s *Store) Incidents(ctx context.Context, since time.Time) ([]store.IncidentRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.IncidentColumns+` FROM incidents
		WHERE state <> $1 OR updated_at >= $2 ORDER BY updated_at DESC, id`, store.ResolvedState, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres store: incidents: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanIncidents(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: incidents: %w", err)
	}
	return out, nil
}

// Incident returns one incident.
func (s *Store) Incident(ctx context.Context, id string) (store.IncidentRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.IncidentColumns+` FROM incidents WHERE id = $1`, id)
	if err != nil {
		return store.IncidentRecord{}, fmt.Errorf("postgres store: incident %s: %w", id, err)
	}
	defer rows.Close()
	out, err := store.ScanIncidents(rows)
	if err != nil {
		return store.IncidentRecord{}, fmt.Errorf("postgres store: incident %s: %w", id, err)
	}
	if len(out) == 0 {
		return store.IncidentRecord{}, fmt.Errorf("postgres store: incident %s: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// PutSilence creates or replaces a silence.
func (s *Store) PutSilence(ctx context.Context, r store.SilenceRecord) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO silences (`+store.SilenceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_by = excluded.created_by,
		comment = excluded.comment, created_at = excluded.created_at, body = excluded.body`,
		r.ID, r.StartsAt.UnixNano(), r.EndsAt.UnixNano(), r.CreatedBy, r.Comment, r.CreatedAt.UnixNano(), string(r.Body))
	if err != nil {
		return fmt.Errorf("postgres store: put silence %s: %w", r.ID, err)
	}
	return nil
}

// Silences returns silences ending after since.
func (s *Store) Silences(ctx context.Context, since time.Time) ([]store.SilenceRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.SilenceColumns+` FROM silences WHERE ends_at > $1 ORDER BY starts_at, id`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres store: silences: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSilences(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: silences: %w", err)
	}
	return out, nil
}

// DeleteSilence removes a silence.
func (s *Store) DeleteSilence(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM silences WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres store: delete silence %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres store: delete silence %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// Renew extends each claim still as its deliverer knows it: another
// claim since, or an outcome (claimed_until 0), has changed claimed_until.
func (s *Store) Renew(ctx context.Context, claims []outbox.Claim, until time.Time) ([]int64, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	seqs, ends := make([]int64, len(claims)), make([]int64, len(claims))
	for i, c := range claims {
		seqs[i], ends[i] = c.Seq, c.Until.UnixNano()
	}
	rows, err := s.pool.Query(ctx, s.sized(renewSQL, slices.Max(seqs)), until.UnixNano(), seqs, ends)
	if err != nil {
		return nil, fmt.Errorf("postgres store: renew outbox claims: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres store: renew outbox claims: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// renewSQL extends until $1 the claims of seqs $2 whose claimed_until is
// still the one of $3 at the seq's position. The rows are found by their
// seqs (pendingByKey), with no join: a join of the outbox to the unnested
// arrays was planned with stale statistics as a hash of every pending row
// (130 ms a call in a 20,000-branch wave).
const renewSQL = `UPDATE outbox o SET claimed_until = $1
	WHERE o.seq = ANY($2::bigint[]) AND ` + pendingByKey + `
		AND o.claimed_until = ($3::bigint[])[array_position($2::bigint[], o.seq)]
	RETURNING o.seq`

// Release gives a claimed row back untried.
func (s *Store) Release(ctx context.Context, seq int64, notBefore time.Time) error {
	if err := one(s.pool.Exec(ctx, s.sized(`UPDATE outbox SET not_before = $1, claimed_until = 0 WHERE seq = $2 AND state = 'pending'`, seq),
		notBefore.UnixNano(), seq)); err != nil {
		return fmt.Errorf("postgres store: release outbox row %d: %w", seq, err)
	}
	return nil
}
