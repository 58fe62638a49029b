package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/outboxtest"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/collector/store/storetest"
)

func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, srv.NewDatabase(t)) })
	})
	t.Run("outbox conformance", func(t *testing.T) {
		outboxtest.Run(t, func(t *testing.T) outbox.Store {
			s := open(t, srv.NewDatabase(t))
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
	t.Run("opening a migrated database changes nothing", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		open(t, dsn).Close()
		open(t, dsn).Close()
		if v := schemaVersion(t, dsn); v != 17 {
			t.Fatalf("schema version %d after opening twice, want 17", v)
		}
	})
	t.Run("a database from a newer collector is refused", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		open(t, dsn).Close()
		execSQL(t, dsn, "INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')")
		s, err := Open(context.Background(), dsn, nil)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
		}
	})
	t.Run("a failed migration is an error and leaves no trace", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		s := open(t, dsn)
		defer s.Close()
		err := migrate(context.Background(), s.pool, []migration{
			{Version: 1, Name: "0001_init.sql", SQL: "SELECT 1"},
			{Version: 2, Name: "0002_heartbeat.sql", SQL: "SELECT 1"},
			{Version: 3, Name: "0003_confirmations.sql", SQL: "SELECT 1"},
			{Version: 4, Name: "0004_alerts.sql", SQL: "SELECT 1"},
			{Version: 5, Name: "0005_sla.sql", SQL: "SELECT 1"},
			{Version: 6, Name: "0006_descriptor_history.sql", SQL: "SELECT 1"},
			{Version: 7, Name: "0007_branch_registry.sql", SQL: "SELECT 1"},
			{Version: 8, Name: "0008_sla_totals_revisions.sql", SQL: "SELECT 1"},
			{Version: 9, Name: "0009_branch_contacts.sql", SQL: "SELECT 1"},
			{Version: 10, Name: "0010_maintenance.sql", SQL: "SELECT 1"},
			{Version: 11, Name: "0011_alert_commands.sql", SQL: "SELECT 1"},
			{Version: 12, Name: "0012_results_partitioned.sql", SQL: "SELECT 1"},
			{Version: 13, Name: "0013_result_chunks.sql", SQL: "SELECT 1"},
			{Version: 14, Name: "0014_branch_rows.sql", SQL: "SELECT 1"},
			{Version: 15, Name: "0015_outbox_pending_partial.sql", SQL: "SELECT 1"},
			{Version: 16, Name: "0016_descriptor_version_stubs.sql", SQL: "SELECT 1"},
			{Version: 17, Name: "0017_branch_rows_narrow.sql", SQL: "SELECT 1"},
			{Version: 18, Name: "0018_broken.sql", SQL: "CREATE TABLE b (x int); INSERT INTO nowhere VALUES (1)"},
		})
		if err == nil || !strings.Contains(err.Error(), "0018_broken.sql") {
			t.Fatalf("err = %v, want one naming 0018_broken.sql", err)
		}
		var tables int
		s.pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_tables WHERE tablename = 'b'").Scan(&tables)
		if v := schemaVersion(t, dsn); v != 17 || tables != 0 {
			t.Fatalf("after the failure: schema version %d, table b exists %d times; want 17 and 0", v, tables)
		}
	})
}

func TestLoadMigrationsRejects(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"a badly named file", []string{"0001_init.sql", "2_more.sql"}, `"2_more.sql": name must be`},
		{"a gap in the numbering", []string{"0001_init.sql", "0003_more.sql"}, "expected version 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range c.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			if _, err := loadMigrations(fsys, "m"); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if ms, err := loadMigrations(migrationFiles, "migrations"); err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %d, %v; want at least one and no error", len(ms), err)
	}
}

func TestOpenKeepsTheDSNOutOfErrors(t *testing.T) {
	_, err := Open(context.Background(), "postgres://u:s3cret@[bad", nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open = %v, want an error without the password", err)
	}
}

func open(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func execSQL(t testing.TB, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func schemaVersion(t testing.TB, dsn string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int
	if err := conn.QueryRow(context.Background(), "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// poolAtSchema returns a pool on the database at dsn migrated to schema
// version n (the first n migrations), as a collector of that version left
// it. The caller closes it before opening the store that upgrades it.
func poolAtSchema(t *testing.T, dsn string, n int) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, pool, ms[:n]); err != nil {
		pool.Close()
		t.Fatalf("migrating to schema %d: %v", n, err)
	}
	return pool
}

// txOn begins a transaction on a connection of its own to dsn, outside
// any store, rolled back and closed when the test ends.
func txOn(t *testing.T, dsn string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	return tx
}
