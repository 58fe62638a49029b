package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/branchready/branchready/collector/store"
)

var _ store.SLAExpirer = (*Store)(nil)

// ExpireSLA deletes the SLA rollups of dates before date, in one
// transaction, and returns how many rows it deleted.
func (s *Store) ExpireSLA(ctx context.Context, date string) (int64, error) {
	n, err := s.tx(ctx, "expire sla rollups", func(ctx context.Context, tx *sql.Tx) (int, error) {
		total := 0
		for _, q := range store.SLAExpiryStatements {
			res, err := tx.ExecContext(ctx, strings.ReplaceAll(q, "$1", "?1"), date)
			if err != nil {
				return total, err
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		return total, nil
	})
	return int64(n), err
}
