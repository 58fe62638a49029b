package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

var _ store.IncidentExpirer = (*Store)(nil)

// ExpireIncidents deletes incidents resolved before before with their
// outbox rows and threads, store.ExpiryBatch incidents a transaction. The
// incidents are deleted first, under the same conditions they were listed
// by (another statement may have changed one since), and only the outbox
// rows and threads of those actually deleted follow them; a message
// pending by then (none should be: a resolved incident decides no more)
// stays, to be delivered.
func (s *Store) ExpireIncidents(ctx context.Context, before time.Time) (incidents, messages int64, err error) {
	for {
		var n, m int64
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `DELETE FROM incidents WHERE id IN (`+store.ExpirableIncidentsSQL+`)
				AND state = $1 AND updated_at < $2
				AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident = incidents.id AND o.state = 'pending')
				RETURNING id`, store.ResolvedState, before.UnixNano(), store.ExpiryBatch)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			n = int64(len(ids))
			if n == 0 {
				return nil
			}
			tag, err := tx.Exec(ctx, `DELETE FROM outbox WHERE incident = ANY($1) AND state <> 'pending'`, ids)
			if err != nil {
				return err
			}
			m = tag.RowsAffected()
			_, err = tx.Exec(ctx, `DELETE FROM threads WHERE incident = ANY($1)`, ids)
			return err
		})
		if err != nil {
			return incidents, messages, fmt.Errorf("postgres store: expire incidents resolved before %s: %w", before.Format(time.RFC3339), err)
		}
		incidents += n
		messages += m
		if n < store.ExpiryBatch {
			return incidents, messages, nil
		}
	}
}
