package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The result_chunks table (migration 0013) has one partition per UTC day,
// named result_chunks_YYYYMMDD, and a DEFAULT partition for rows of a day
// that has none; so had the results table before it (migration 0012),
// whose partitions retention still drops until it is empty. Daily rather
// than weekly: retention then keeps at most one day
// beyond its setting (a week would keep up to seven, a quarter more raw
// data at 30 days), and a day at 20,000 branches is already 14 million
// rows, a size PostgreSQL handles well as one table.
const (
	day = 24 * time.Hour
	// PartitionsAhead is how many days after today have their partition
	// made in advance: results arrive up to 10 minutes ahead of the
	// collector's clock, and the retention run that makes them may be
	// missed for a day or two (no leader, collector stopped).
	PartitionsAhead = 3
	// PartitionsBehind is how many days before today have their partition
	// made: ingest accepts results up to 30 days old (an agent's spool
	// delivering after a long outage).
	PartitionsBehind = 31
)

// partitionLock serialises collectors changing partitions ("brpartit").
const partitionLock int64 = 0x62727061727469

// ddlLockTimeout bounds how long partition DDL waits for its lock: adding
// or removing a partition takes a brief exclusive lock on the results
// table, and queued behind a long query it would hold up every ingest
// request queued behind it. A run that times out is retried at the next.
const ddlLockTimeout = "5s"

// partTable is a table of raw results partitioned by UTC day.
type partTable struct {
	name string // the partitioned table
	key  string // its partition key, unix ns
	// count is the SQL expression that counts the results of a partition's
	// rows (a chunk row holds n).
	count string
}

var (
	// chunkTable is where results are written (migration 0013).
	chunkTable = partTable{name: "result_chunks", key: "first_at", count: "coalesce(sum(n), 0)"}
	// legacyTable holds the results written one row each before it
	// (migration 0012): read and expired, never written.
	legacyTable = partTable{name: "results", key: "started_at", count: "count(*)"}
)

// partitionName is t's partition of the UTC day starting at d.
func (t partTable) partitionName(d time.Time) string {
	return t.name + "_" + d.UTC().Format("20060102")
}

// defaultName is t's DEFAULT partition.
func (t partTable) defaultName() string { return t.name + "_default" }

// dayOf is the start of t's UTC day.
func dayOf(t time.Time) time.Time { return t.UTC().Truncate(day) }

// partition is one day's partition: its table and range [from, to).
type partition struct {
	name     string
	from, to int64 // unix ns
}

// partitions lists the day partitions of t (not the default one).
func partitions(ctx context.Context, q querier, t partTable) ([]partition, error) {
	rows, err := q.Query(ctx, `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY c.relname`, t.name)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	var out []partition
	for rows.Next() {
		var name, bound string
		if err := rows.Scan(&name, &bound); err != nil {
			return nil, err
		}
		var p partition
		// FOR VALUES FROM ('1772409600000000000') TO ('1772496000000000000')
		if _, err := fmt.Sscanf(strings.ReplaceAll(bound, "'", ""), "FOR VALUES FROM (%d) TO (%d)", &p.from, &p.to); err != nil {
			continue // the DEFAULT partition
		}
		p.name = name
		out = append(out, p)
	}
	return out, rows.Err()
}

// EnsurePartitions makes the day partitions of result_chunks from from to
// to (inclusive, UTC days) that do not exist yet, moving into each the rows the DEFAULT
// partition holds for its day. It returns how many it made.
func (s *Store) EnsurePartitions(ctx context.Context, from, to time.Time) (int, error) {
	made := 0
	err := s.partitionTx(ctx, func(tx pgx.Tx) error {
		have, err := partitions(ctx, tx, chunkTable)
		if err != nil {
			return err
		}
		exists := map[string]bool{}
		for _, p := range have {
			exists[p.name] = true
		}
		for d := dayOf(from); !d.After(dayOf(to)); d = d.Add(day) {
			if exists[chunkTable.partitionName(d)] {
				continue
			}
			if err := createPartition(ctx, tx, chunkTable, d); err != nil {
				return err
			}
			made++
		}
		return nil
	})
	if err != nil {
		return made, fmt.Errorf("postgres store: make result partitions: %w", err)
	}
	return made, nil
}

// createPartition makes t's partition of day d. The DEFAULT partition may
// hold rows of that day (stored before the partition existed): they are
// moved into the new table before it is attached, since attaching checks
// that the DEFAULT partition holds none of the new partition's range.
func createPartition(ctx context.Context, tx pgx.Tx, t partTable, d time.Time) error {
	name := pgx.Identifier{t.partitionName(d)}.Sanitize()
	from, to := d.UnixNano(), d.Add(day).UnixNano()
	stmts := []string{
		fmt.Sprintf(`CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)`, name, t.name),
		fmt.Sprintf(`ALTER TABLE %s ADD CHECK (%s >= %d AND %s < %d)`, name, t.key, from, t.key, to),
		fmt.Sprintf(`WITH moved AS (DELETE FROM %s WHERE %s >= %d AND %s < %d RETURNING *)
			INSERT INTO %s SELECT * FROM moved`, t.defaultName(), t.key, from, t.key, to, name),
		fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%d) TO (%d)`, t.name, name, from, to),
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("partition %s: %w", t.partitionName(d), err)
		}
	}
	return nil
}

// partitionTx runs f in a transaction holding the partition lock, with
// ddlLockTimeout on every lock it waits for.
func (s *Store) partitionTx(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", partitionLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+ddlLockTimeout+"'"); err != nil {
			return err
		}
		return f(tx)
	})
}

// isLockTimeout reports whether err is PostgreSQL's lock_not_available.
func isLockTimeout(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}
