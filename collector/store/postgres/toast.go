package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Descriptors, large batches' chunk bodies (a wave's batch of twenty was
// some 2 KiB before chunk version 2 compressed it to under 1 KiB) and
// outbox messages can pass PostgreSQL's TOAST threshold, so the server
// compresses each such value as it stores it. With pglz, its default, that
// was the largest single cost of a wave's writes on the server; lz4
// compresses several times faster to a similar size. The collector therefore asks for lz4 on its connections
// (default_toast_compression, a session setting: no schema change, and a
// value reads back alike whichever method stored it) when the server was
// built with it and the DSN does not choose a method itself.

// toastParam is the session setting that chooses the compression method
// of new TOAST values.
const toastParam = "default_toast_compression"

// toastCompression sets lz4 on each new connection once the server is
// known to have it.
type toastCompression struct{ lz4 atomic.Bool }

// beforeConnect is the pool's BeforeConnect hook.
func (t *toastCompression) beforeConnect(_ context.Context, cc *pgx.ConnConfig) error {
	if t.lz4.Load() {
		cc.RuntimeParams[toastParam] = "lz4"
	}
	return nil
}

// chooseLZ4 asks the server whether it has lz4 (PostgreSQL 14 on, when
// built with it) and, if so, has the pool's connections use it, the ones
// already made included (they are closed, to be made again).
func (t *toastCompression) chooseLZ4(ctx context.Context, pool *pgxpool.Pool) error {
	var lz4 bool
	err := pool.QueryRow(ctx, `SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = $1`, toastParam).Scan(&lz4)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // before PostgreSQL 14: pglz is the only method
	}
	if err != nil {
		return fmt.Errorf("toast compression: %w", err)
	}
	if lz4 {
		t.lz4.Store(true)
		pool.Reset()
	}
	return nil
}
