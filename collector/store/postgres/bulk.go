package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

// ContactsOf returns the branches with the given ids without their
// descriptors (as BranchContacts does), ordered by id; an unknown id is
// left out. The readiness engine reads the contacts of the branches ingest
// invalidated this way, rather than listing every branch.
func (s *Store) ContactsOf(ctx context.Context, ids []string) ([]store.Branch, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+contactColumns+" FROM branches WHERE id = ANY($1) ORDER BY id", ids)
	if err != nil {
		return nil, fmt.Errorf("postgres store: contacts of %d branches: %w", len(ids), err)
	}
	bs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Branch, error) { return scanBranch(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres store: contacts of %d branches: %w", len(ids), err)
	}
	return bs, nil
}
