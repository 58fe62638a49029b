package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

// BranchesOf returns the branches of ids that exist, by id, in one query:
// the leader reads every branch new to its alert engine that a batch of
// other collectors' results names (a wave's first round after it began
// to lead), and one query a branch put those results seconds behind.
func (s *Store) BranchesOf(ctx context.Context, ids []string) (map[string]store.Branch, error) {
	out := make(map[string]store.Branch, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.reads(ctx).Query(ctx, "SELECT "+branchColumns+" FROM branches WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %d branches: %w", len(ids), err)
	}
	bs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Branch, error) { return scanBranch(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres store: %d branches: %w", len(ids), err)
	}
	for _, b := range bs {
		out[b.ID] = b
	}
	return out, nil
}
