package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %d, %v; want at least one and no error", len(ms), err)
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"a badly named file", []string{"0001_init.sql", "2_more.sql"}, `"2_more.sql": name must be`},
		{"a gap in the numbering", []string{"0001_init.sql", "0003_more.sql"}, "expected version 2"},
		{"numbering that does not start at one", []string{"0002_init.sql"}, "expected version 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range c.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			_, err := loadMigrations(fsys, "m")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// writerDB opens a fresh database file the way Open's writer does.
func writerDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := openWriterDB(context.Background(), path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// dbAtSchema returns a database migrated to schema version n (the first n
// migrations), as a collector of that version left it, and its path.
func dbAtSchema(t *testing.T, n int) (*sql.DB, string) {
	t.Helper()
	db, path := writerDB(t)
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), db, ms[:n]); err != nil {
		t.Fatalf("migrating to schema %d: %v", n, err)
	}
	return db, path
}

// openUpgraded closes db, as the collector of its version stopped, and
// opens it with this version's store, which migrates it.
func openUpgraded(t *testing.T, db *sql.DB, path string) *Store {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("opening the upgraded database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFailedMigrationIsAnErrorAndLeavesNoTrace(t *testing.T) {
	db, _ := writerDB(t)
	ms := []migration{
		{Version: 1, Name: "0001_init.sql", SQL: "CREATE TABLE a (x INTEGER);"},
		{Version: 2, Name: "0002_broken.sql", SQL: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"},
	}
	err := migrate(context.Background(), db, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("err = %v, want one naming 0002_broken.sql", err)
	}
	var version, tablesB int
	db.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&version)
	db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'").Scan(&tablesB)
	if version != 1 || tablesB != 0 {
		t.Fatalf("after the failure: schema version %d, table b exists %d times; want 1 and 0", version, tablesB)
	}
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	db, _ := writerDB(t)
	ms := []migration{{Version: 1, Name: "0001_init.sql", SQL: "CREATE TABLE a (x INTEGER);"}}
	for i := range 2 {
		if err := migrate(context.Background(), db, ms); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	db, path := writerDB(t)
	ms, _ := loadMigrations(migrationFiles, "migrations")
	if err := migrate(context.Background(), db, ms); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations VALUES (?, 'from_the_future.sql', 0)", len(ms)+1); err != nil {
		t.Fatalf("insert: %v", err)
	}
	db.Close()
	s, err := Open(context.Background(), path, nil)
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}
