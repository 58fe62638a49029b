package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store"
)

var _ store.IncidentExpirer = (*Store)(nil)

var expirableIncidentsSQL = strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3").Replace(store.ExpirableIncidentsSQL)

// ExpireIncidents deletes incidents resolved before before with their
// outbox rows and threads, store.ExpiryBatch incidents a transaction of
// the writer, so ingest waits behind one small batch at most.
func (s *Store) ExpireIncidents(ctx context.Context, before time.Time) (incidents, messages int64, err error) {
	for {
		var rows int64
		n, err := s.tx(ctx, "expire incidents", func(ctx context.Context, tx *sql.Tx) (int, error) {
			rows = 0
			ids, err := expirableIDs(ctx, tx, before)
			if err != nil {
				return 0, err
			}
			for _, id := range ids {
				res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE incident = ?`, id)
				if err != nil {
					return 0, err
				}
				m, _ := res.RowsAffected()
				rows += m
				if _, err := tx.ExecContext(ctx, `DELETE FROM threads WHERE incident = ?`, id); err != nil {
					return 0, err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM incidents WHERE id = ?`, id); err != nil {
					return 0, err
				}
			}
			return len(ids), nil
		})
		if err != nil {
			return incidents, messages, err
		}
		incidents += int64(n)
		messages += rows
		if n < store.ExpiryBatch {
			return incidents, messages, nil
		}
	}
}

// expirableIDs lists the next batch of incidents to delete. The writer's
// transaction is the only one writing, so they are still expirable when
// deleted.
func expirableIDs(ctx context.Context, tx *sql.Tx, before time.Time) ([]string, error) {
	rows, err := tx.QueryContext(ctx, expirableIncidentsSQL, store.ResolvedState, before.UnixNano(), store.ExpiryBatch)
	if err != nil {
		return nil, fmt.Errorf("listing expirable incidents: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
