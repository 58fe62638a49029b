package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ResultsOf returns the results of several branches with from <=
// started_at < to, by branch, each oldest first (ties by id). A branch with
// no results has no entry. The readiness engine judges thousands of
// branches from one of these reads rather than one query each.
//
// The rows come in the order the server finds them (a bitmap scan of the
// branch index reads them in table order, which for a branch is nearly
// time order, since agents send oldest first) and each branch's are
// sorted here only if they are not in order already: a sort of all the
// rows by branch in the server cost it a fifth of the query.
func (s *Store) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	const q = `SELECT id, branch, device, check_name, kind, status, started_at, duration_ms, reason,
	observations::text, sweep, agent_version
FROM results WHERE branch = ANY($1) AND started_at >= $2 AND started_at < $3`
	out := make(map[string][]result.Result, len(branches))
	if len(branches) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, q, branches, from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres store: results of %d branches: %w", len(branches), err)
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (result.Result, error) { return scanResult(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres store: results of %d branches: %w", len(branches), err)
	}
	for _, r := range rs {
		out[r.Branch] = append(out[r.Branch], r)
	}
	for _, b := range out {
		if !slices.IsSortedFunc(b, byTimeAndID) {
			slices.SortFunc(b, byTimeAndID)
		}
	}
	return out, nil
}

// byTimeAndID orders results oldest first, ties by id (bytewise, as
// COLLATE "C" does).
func byTimeAndID(a, b result.Result) int {
	if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

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
