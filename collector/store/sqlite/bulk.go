package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// bulkChunk is how many branches one query names: far below SQLite's
// limit on bound parameters, and enough that a board of 20,000 branches
// is judged from 40 queries instead of 20,000.
const bulkChunk = 500

// ResultsOf returns the results of several branches with from <=
// started_at < to, by branch, each oldest first (ties by id). A branch with
// no results has no entry. The readiness engine judges thousands of
// branches from a few of these reads rather than one query each.
func (s *Store) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	out := make(map[string][]result.Result, len(branches))
	var dec chunk.Decoder
	for start := 0; start < len(branches); start += bulkChunk {
		part := branches[start:min(start+bulkChunk, len(branches))]
		if err := s.resultsOf(ctx, &dec, part, from, to, out); err != nil {
			return nil, fmt.Errorf("sqlite store: results of %d branches: %w", len(branches), err)
		}
	}
	return out, nil
}

// ContactsOf returns the branches with the given ids without their
// descriptors (as BranchContacts does), ordered by id; an unknown id is
// left out. The readiness engine reads the contacts of the branches ingest
// invalidated this way, rather than listing every branch.
func (s *Store) ContactsOf(ctx context.Context, ids []string) ([]store.Branch, error) {
	out := make([]store.Branch, 0, len(ids))
	for start := 0; start < len(ids); start += bulkChunk {
		chunk := ids[start:min(start+bulkChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		bs, err := s.scanBranches(ctx, selectContacts+" WHERE id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: contacts of %d branches: %w", len(ids), err)
		}
		out = append(out, bs...)
	}
	slices.SortFunc(out, func(a, b store.Branch) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *Store) scanBranches(ctx context.Context, q string, args ...any) ([]store.Branch, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bs []store.Branch
	for rows.Next() {
		b, err := scanBranch(rows)
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, rows.Err()
}
