package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestTheEnqueueIsPlannedOnce prepares SaveAndClaim's enqueue on one
// connection, runs it eight times with one message, as the alert engine
// mostly sends, and checks that PostgreSQL then ran its generic plan
// rather than planning each call: a plan made for one message's arrays
// looked cheaper than the generic one, so every call was planned.
func TestTheEnqueueIsPlannedOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t).NewDatabase(t)
	open(t, dsn).Close()
	tx := txOn(t, dsn)
	for i := range 8 {
		rows, err := tx.Query(ctx, enqueueSQL, []string{"inc-1"}, []string{"slack"}, []string{"C-ops"}, []string{"post"},
			[]string{"{}"}, []int64{int64(i)}, []bool{true}, int64(5))
		if err == nil {
			_, err = pgx.CollectRows(rows, func(pgx.CollectableRow) (struct{}, error) { return struct{}{}, nil })
		}
		if err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
	}
	var generic, custom int64
	if err := tx.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`,
		enqueueSQL).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic == 0 || custom > 5 {
		t.Errorf("the enqueue ran %d generic and %d custom plans in eight calls, want its generic one once past the first five", generic, custom)
	}
}
