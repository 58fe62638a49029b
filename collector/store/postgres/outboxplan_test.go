package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// planBatch is the deliveries Record gets, the rows SaveAndClaim claims.
const planBatch = 100

// TestTheOutboxStatementsUseTheirKeys fills an outbox with 40,000
// delivered rows and 2,000 pending ones, with the statistics PostgreSQL
// keeps of it stale as they are in a wave (taken when every row was
// pending, or when none was), and checks that Record's statement,
// SaveAndClaim's enqueue (which claims the heads), Claim and Renew find every row
// by a key, in the plan of a statement planned for its arguments and in
// the generic plan of a cached one: each scan of the outbox is of the
// primary key by seq, of an index by route, or the first row of an ordered
// walk. Their plans (EXPLAIN ANALYZE, logged with -v) once walked every
// pending or delivered row, Claim's once for each pending row.
func TestTheOutboxStatementsUseTheirKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("fills an outbox of 42,000 rows")
	}
	srv := pgtest.Start(t)
	for _, stats := range []struct{ name, fill string }{
		{"statistics from when every row was pending", `
			INSERT INTO outbox (incident, notifier, target, op, message, decided_at)
				SELECT 'old-' || g / 2, 'slack', 'C-ops', 'post', '{}', g FROM generate_series(1, 300) g;
			ANALYZE outbox;
			UPDATE outbox SET state = 'delivered', done_at = seq, channel = 'C-ops', ts = 'ts-' || seq, attempts = 1;` +
			fillDelivered + fillPending},
		{"statistics from when no row was pending", fillDelivered + `ANALYZE outbox;` + fillPending},
	} {
		dsn := srv.NewDatabase(t)
		s := open(t, dsn)
		execSQL(t, dsn, "ALTER TABLE outbox SET (autovacuum_enabled = off);"+stats.fill)
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			t.Run(stats.name+", "+mode, func(t *testing.T) {
				for _, q := range []struct {
					name, prepare string
					args          func(heads []int64) string
				}{
					{"Record", "(bigint[], bigint[], text[], text[], bigint, bigint) AS " + recordSQL, func(heads []int64) string {
						seqs := each(heads, func(_ int, h int64) string { return fmt.Sprint(h) })
						return fmt.Sprintf("(%[1]s, %[1]s, %[2]s, %[3]s, 1, 2)", seqs, each(heads, func(int, int64) string { return "C-ops" }),
							each(heads, func(_ int, h int64) string { return fmt.Sprintf("ts-%d", h) }))
					}},
					{"SaveAndClaim's enqueue", "(text[], text[], text[], text[], text[], bigint[], bool[], bigint) AS " + enqueueSQL,
						func(heads []int64) string {
							// Half on routes with rows pending (new-0 to new-999),
							// half on routes without.
							incidents := each(heads, func(i int, _ int64) string {
								if i%2 == 0 {
									return fmt.Sprintf("new-%d", i)
								}
								return fmt.Sprintf("fresh-%d", i)
							})
							same := func(v string) string { return each(heads, func(int, int64) string { return v }) }
							return fmt.Sprintf("(%s, %s, %s, %s, %s, %s, %s, 2)", incidents, same("slack"), same("C-ops"), same("post"),
								same("x"), each(heads, func(_ int, h int64) string { return fmt.Sprint(h) }), same("true"))
						}},
					{"Claim", "(bigint, bigint, bigint) AS " + claimSQL, func([]int64) string { return "(1, 64, 2)" }},
					{"Renew", "(bigint, bigint[], bigint[]) AS " + renewSQL, func(heads []int64) string {
						return fmt.Sprintf("(2, %s, %s)", each(heads, func(_ int, h int64) string { return fmt.Sprint(h) }),
							each(heads, func(int, int64) string { return "0" }))
					}},
				} {
					plan := explainOutbox(t, s, mode, q.prepare, q.args)
					t.Logf("%s:\n%s", q.name, strings.Join(plan, "\n"))
					if bad := unkeyedScans(plan); len(bad) > 0 {
						t.Errorf("%s reads the outbox without a key: %s", q.name, strings.Join(bad, "; "))
					}
				}
			})
		}
		s.Close()
	}
}

// fillDelivered and fillPending add the delivered rows, then the pending
// ones: two to a route, the first a post.
const (
	fillDelivered = `INSERT INTO outbox (incident, notifier, target, op, message, decided_at, state, done_at, channel, ts, attempts)
		SELECT 'inc-' || g / 3, 'slack', 'C-ops', 'post', '{}', g, 'delivered', g, 'C-ops', 'ts-' || g, 1
		FROM generate_series(1, 40000) g;`
	fillPending = `INSERT INTO outbox (incident, notifier, target, op, message, decided_at)
		SELECT 'new-' || g / 2, 'slack', 'C-ops', CASE WHEN g % 2 = 0 THEN 'post' ELSE 'update' END, '{}', g
		FROM generate_series(0, 1999) g;`
)

// explainOutbox runs a statement, prepared as pgx prepares it and planned
// in mode (plan_cache_mode), on the heads of planBatch pending routes, and
// returns its EXPLAIN (ANALYZE, BUFFERS), rolled back. args makes the
// EXECUTE arguments of the heads' seqs.
func explainOutbox(t *testing.T, s *Store, mode, prepare string, args func(heads []int64) string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var heads []int64
	rows, err := conn.Query(ctx, `SELECT MIN(seq) FROM outbox WHERE state = 'pending' GROUP BY incident ORDER BY 1 LIMIT $1`, planBatch)
	if err == nil {
		heads, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil || len(heads) != planBatch {
		t.Fatalf("heads of the pending routes: %d, %v", len(heads), err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, sql := range []string{"SET LOCAL plan_cache_mode = " + mode, "PREPARE outbox_plan" + prepare} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	defer conn.Exec(ctx, "DEALLOCATE outbox_plan") //nolint:errcheck // the connection is the test's
	rows, err = tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE outbox_plan"+args(heads))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// each makes an array literal of f of each of xs and its index.
func each(xs []int64, f func(i int, x int64) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(i, x)
	}
	return "'{" + strings.Join(out, ",") + "}'"
}

// outboxScan matches a plan's scans of the outbox: of the table, or of one
// of its indexes (the index's name in the second or third group).
var outboxScan = regexp.MustCompile(`Seq Scan on outbox\b|Bitmap Heap Scan on outbox\b|Scan using (\w+) on outbox\b|Bitmap Index Scan on (outbox_\w+)`)

// unkeyedScans returns the scans of the outbox in plan that are neither of
// its primary key by seq, nor of an index by route (incident first, or
// routes past a route), nor a single row (the first of an ordered walk),
// as "node: condition".
func unkeyedScans(plan []string) []string {
	var bad []string
	for i, line := range plan {
		m := outboxScan.FindStringSubmatch(line)
		if m == nil || strings.Contains(line, "Bitmap Heap Scan") {
			continue // a Bitmap Heap Scan's Bitmap Index Scan, checked, says which rows it reads
		}
		cond := ""
		for _, next := range plan[i+1:] {
			if strings.Contains(next, "->") {
				break
			}
			if c := strings.TrimSpace(next); strings.HasPrefix(c, "Index Cond:") {
				cond = c
				break
			}
		}
		index := m[1] + m[2]
		a := actualRows.FindStringSubmatch(line)
		keyed := index == "outbox_pkey" && strings.Contains(cond, "(seq = ") ||
			index != "" && index != "outbox_pkey" && (strings.Contains(cond, "(incident = ") ||
				strings.Contains(cond, "ROW(incident, notifier, target) > ") || a != nil && a[1] == "1" && a[2] == "1")
		if !keyed {
			bad = append(bad, strings.TrimSpace(line)+": "+cond)
		}
	}
	return bad
}

// actualRows reads a plan node's rows (per loop) and loops.
var actualRows = regexp.MustCompile(`actual time=\S+ rows=(\d+) loops=(\d+)`)
