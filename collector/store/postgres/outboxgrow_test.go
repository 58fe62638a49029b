package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestTheOutboxStatementsFollowTheOutboxAsItGrows uses the outbox through
// one connection while it is a page, as in a wave's first seconds, lets
// it grow to 42,000 rows (with no ANALYZE or VACUUM in between, as during
// a wave), then checks the plans the store's own calls ran with
// (auto_explain, sent to the test as notices): Record, Claim, Renew and
// SaveAndClaim's enqueue must still find every row by a key, in their last
// plans, generic ones.
// A statement prepared once per connection kept a generic plan made for
// the one-page outbox, a scan of the whole table, which every later call
// then ran (Store.sized).
func TestTheOutboxStatementsFollowTheOutboxAsItGrows(t *testing.T) {
	if testing.Short() {
		t.Skip("fills an outbox of 42,000 rows")
	}
	ctx := context.Background()
	dsn := pgtest.Start(t).NewDatabase(t)
	s := open(t, dsn)
	defer s.Close()
	// Before the first call: a change of the table's options would make
	// PostgreSQL plan its statements again.
	execSQL(t, dsn, "ALTER TABLE outbox SET (autovacuum_enabled = off)")
	plans := explained(t, s, dsn)

	now, lease := time.Unix(1_000_000, 0), time.Minute
	for i := range 8 {
		m := func(op notify.Op) notify.Message {
			return notify.Message{IncidentID: fmt.Sprintf("small-%d", i), Notifier: "slack", Target: "C-ops", Op: op, DecidedAt: now}
		}
		rows, err := s.SaveAndClaim(ctx, nil, []notify.Message{m(notify.Post), m(notify.Update)}, now, lease)
		if err != nil || len(rows) != 1 {
			t.Fatalf("SaveAndClaim on a small outbox: %d rows, %v", len(rows), err)
		}
		exercise(t, s, []int64{rows[0].Seq}, now, lease)
	}

	execSQL(t, dsn, fillDelivered+fillPending)
	// Seven rounds, on other routes each time: past the five plans made
	// for the arguments, PostgreSQL makes its generic plan.
	for round := range 7 {
		plans.reset()
		var heads []int64
		rows, err := s.pool.Query(ctx, `SELECT MIN(seq) FROM outbox WHERE state = 'pending' AND incident LIKE 'new-%'
			GROUP BY incident ORDER BY 1 LIMIT $1 OFFSET $2`, planBatch, round*planBatch)
		if err == nil {
			heads, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		}
		if err != nil || len(heads) != planBatch {
			t.Fatalf("heads of the pending routes: %d, %v", len(heads), err)
		}
		exercise(t, s, heads, now, lease)
	}

	for _, q := range []struct{ name, text string }{
		{"Record", recordSQL}, {"Claim", claimSQL}, {"Renew", renewSQL}, {"SaveAndClaim's enqueue", enqueueSQL},
	} {
		plan := plans.of(q.text + "\n-- outbox size class")
		if plan == nil {
			t.Fatalf("no plan of %s was logged", q.name)
		}
		t.Logf("%s:\n%s", q.name, strings.Join(plan, "\n"))
		if bad := unkeyedScans(plan); len(bad) > 0 {
			t.Errorf("%s reads the grown outbox without a key: %s", q.name, strings.Join(bad, "; "))
		}
	}
}

// exercise records deliveries of the rows seqs, claims, and renews the
// claims Record made, as a deliverer does, and enqueues a message of a
// new incident as the alert engine does.
func exercise(t *testing.T, s *Store, seqs []int64, now time.Time, lease time.Duration) {
	t.Helper()
	ctx := context.Background()
	m := notify.Message{IncidentID: fmt.Sprint("enqueued-", seqs[0]), Notifier: "slack", Target: "C-ops", Op: notify.Post, DecidedAt: now}
	if rows, err := s.SaveAndClaim(ctx, nil, []notify.Message{m}, now, lease); err != nil || len(rows) != 1 {
		t.Fatalf("SaveAndClaim of a new incident's message: %d rows, %v", len(rows), err)
	}
	ds := make([]outbox.Delivery, len(seqs))
	for i, seq := range seqs {
		ds[i] = outbox.Delivery{Seq: seq, Receipt: notify.Receipt{Channel: "C-ops", TS: fmt.Sprint("ts-", seq)}, At: now}
	}
	next, notPending, err := s.Record(ctx, ds, now, lease)
	if err != nil || len(notPending) > 0 {
		t.Fatalf("Record: %v, not pending %v", err, notPending)
	}
	if _, err := s.Claim(ctx, now, 10, lease); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	claims := make([]outbox.Claim, len(next))
	for i, r := range next {
		claims[i] = outbox.Claim{Seq: r.Seq, Until: r.ClaimedUntil}
	}
	if _, err := s.Renew(ctx, claims, now.Add(2*lease)); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if _, _, err := s.Stats(ctx, now); err != nil {
		t.Fatalf("Stats: %v", err)
	}
}

// explainLog holds the plans auto_explain sent as notices.
type explainLog struct {
	mu    sync.Mutex
	plans []string
}

func (l *explainLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.plans = nil
}

// of returns the lines of the last plan logged of the statement sql.
func (l *explainLog) of(sql string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.plans) - 1; i >= 0; i-- {
		if strings.Contains(l.plans[i], "Query Text: "+sql) {
			return strings.Split(l.plans[i], "\n")
		}
	}
	return nil
}

// explained gives s a pool of one connection on which auto_explain sends
// the plan of every statement, with its actual rows, to the test.
func explained(t *testing.T, s *Store, dsn string) *explainLog {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	l := &explainLog{}
	cfg.MaxConns = 1
	cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.plans = append(l.plans, n.Message)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
			SET auto_explain.log_level = notice`)
		return err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.pool.Close()
	s.pool = pool
	return l
}
