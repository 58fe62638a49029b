package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/branchready/branchready/collector/store"
)

// pagesConns is the size of the pool kept for the reads of a person's
// request (store.Interactive): a branch page reads up to three things at
// once. During a wave every connection of the shared pool was often taken
// (the group writers, the judge, the alert engine, the branch directory),
// and a branch page's read waited a p95 of 80 ms for one before a query
// of a few milliseconds; on a pool of its own it waits for none.
const pagesConns = 4

// openPages makes the pool for interactive reads, connecting as the
// shared pool does (cfg is the shared pool's, tuned). Its connections are
// made in the background at start and kept (MinConns): opened when a
// person first asked for a page, as they were, the first pages after a
// start or a quiet spell each waited for a new server process and its
// empty caches.
func openPages(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	c := cfg.Copy()
	c.MaxConns, c.MinConns = pagesConns, pagesConns
	return pgxpool.NewWithConfig(ctx, c)
}

// reads is the pool a read answers on: the interactive one for a person's
// request, the shared one otherwise.
func (s *Store) reads(ctx context.Context) *pgxpool.Pool {
	if s.pages != nil && store.IsInteractive(ctx) {
		return s.pages
	}
	return s.pool
}
