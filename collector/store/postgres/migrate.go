package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/branchready/branchready/collector/store/schema"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer collector: running older code against it could lose data.
var ErrSchemaTooNew = errors.New("database schema is newer than this collector")

// migrationLock is the advisory lock key collectors take while migrating
// ("branchrd" in ASCII).
const migrationLock int64 = 0x6272616e63687264

// migration is one numbered schema change.
type migration = schema.Migration

// loadMigrations reads the numbered migration files of dir.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) { return schema.Load(fsys, dir) }

// migrate brings the database up to the last of ms, each migration in its
// own transaction, holding an advisory lock so that collectors starting
// together do not race. A database already beyond ms is refused.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx has ended.
		if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
			_ = conn.Conn().PgConn().Close(context.Background()) // closing the session drops the lock
		}
	}()
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
	if _, err := conn.Exec(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var cur int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if cur > len(ms) {
		return fmt.Errorf("%w: version %d, this collector knows up to %d; upgrade the collector or use another database",
			ErrSchemaTooNew, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if err := apply(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, conn *pgx.Conn, m migration) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return nil
}
