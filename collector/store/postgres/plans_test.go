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

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestTheWritesGenericPlansProbeByKey: pgx prepares each statement once per
// connection, and after five executions PostgreSQL may run it with a
// generic plan, made without the arrays' contents. The write statements'
// generic plans, on a store of 1,000 branches, must find the branch rows,
// heads and versions they touch by key (a subquery per row), never scan
// or hash a whole table: a draft of the descriptor upsert that joined
// "id = ANY($1)" scanned every branch on each call.
func TestTheWritesGenericPlansProbeByKey(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store of 1,000 branches")
	}
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	s := open(t, dsn)
	defer s.Close()
	at := time.Now().UTC().Truncate(time.Hour)
	var rows []contactRow
	var cs []chunkRow
	for i := range 1000 {
		id := fmt.Sprintf("br-%05d", i)
		rs := wave(at, 3)
		for k := range rs {
			rs[k].Branch = id
		}
		if _, _, err := s.WriteBatch(ctx, id, rs, at, benchDescriptor(id), store.Contact{At: at, AgentVersion: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
		if i < 14 {
			r, err := contactOf(id, benchDescriptor(id), store.Contact{At: at.Add(time.Minute), AgentVersion: "1.2.3"})
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
			rs := wave(at.Add(time.Minute), 3)
			for k := range rs {
				rs[k].Branch = id
			}
			cs = append(cs, newChunkRow(rs, at, 0))
		}
	}
	execSQL(t, dsn, "VACUUM ANALYZE")
	t.Run("the contacts others wrote are found through the index", func(t *testing.T) {
		// As the statement runs: its plan for this store's id (a custom
		// plan, which PostgreSQL keeps while cheaper than the generic one).
		rows, err := s.pool.Query(ctx, "EXPLAIN "+changedSince, at.Add(-time.Hour).UnixNano(), s.id, []string{})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		t.Logf("%s", text)
		if strings.Contains(text, "Seq Scan on branches") {
			t.Errorf("BranchesChangedSince reads every branch:\n%s", text)
		}
	})
	chunkArgs := func() []any {
		var b pgx.Batch
		queueChunks(&b, cs, map[chunkKey]bool{}, nil)
		return b.QueuedQueries[0].Arguments
	}
	// auto_explain sends each statement's plan, as run, to the client:
	// a prepared statement's generic plan.
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, n.Message)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, set := range []string{"LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_nested_statements = on",
		"SET auto_explain.log_level = notice", "SET plan_cache_mode = force_generic_plan"} {
		if _, err := conn.Exec(ctx, set); err != nil {
			t.Fatalf("%s: %v", set, err)
		}
	}
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"the contacts with descriptors", putContacts, contactArgs(rows, &s.id)},
		{"the contacts", upsertContacts, contactArgs(rows, &s.id)},
		{"the contacts with their branches' lock", groupUpsertContacts, append(contactArgs(rows, &s.id), branchesOf(cs))},
		{"the chunks", insertChunks, chunkArgs()},
		{"the first chunks", insertFirstChunks, chunkArgs()},
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		notices = nil
		mu.Unlock()
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		plan := strings.Split(strings.Join(notices, "\n"), "\n")
		mu.Unlock()
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", q.name, text)
		if !strings.Contains(text, "$1") {
			t.Errorf("%s: not a generic plan (no $1 in it)", q.name)
		}
		for _, line := range plan {
			if strings.Contains(line, "Seq Scan on") || strings.Contains(line, "Bitmap Heap Scan") {
				t.Errorf("%s reads a whole table: %s", q.name, strings.TrimSpace(line))
			}
		}
	}
}
