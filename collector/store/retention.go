package store

import (
	"context"
	"time"
)

// ResultsExpirer is a store that applies the raw results' retention to
// every branch at once, rather than branch by branch through
// DeleteResults: PostgreSQL drops whole day partitions.
type ResultsExpirer interface {
	// ExpireResults removes results that started before before (it may
	// keep those of before's own day until the next run) and prepares for
	// the results to come around now; it returns how many it removed.
	ExpireResults(ctx context.Context, before, now time.Time) (int64, error)
}

// SLAExpirer is a store that deletes old SLA rollups: the day and device
// rows, their totals and revisions. Both stores implement it.
type SLAExpirer interface {
	// ExpireSLA deletes the rollups of dates before date (YYYY-MM-DD; a
	// month's totals once the whole month is before it) and returns how
	// many rows it deleted.
	ExpireSLA(ctx context.Context, date string) (int64, error)
}

// SLAExpiryStatements are the deletions ExpireSLA runs in both stores, in
// one transaction, each with the date as its one parameter ($1 or ?1).
var SLAExpiryStatements = []string{
	"DELETE FROM sla_days WHERE date < $1",
	"DELETE FROM sla_devices WHERE date < $1",
	"DELETE FROM sla_revisions WHERE date < $1",
	// Month totals (YYYY-MM) go when the whole month is before the date.
	"DELETE FROM sla_totals WHERE (length(date) = 10 AND date < $1) OR (length(date) = 7 AND date < substr($1, 1, 7))",
}

// IncidentExpirer is a store that deletes old incidents: those resolved
// before a cutoff, with their outbox rows and threads. An incident with a
// message still to deliver is kept whole, however old, so retention never
// takes a notification that was decided but not sent. Both stores
// implement it.
type IncidentExpirer interface {
	// ExpireIncidents deletes incidents resolved (last changed) before
	// before, at most ExpiryBatch of them a transaction, and returns how
	// many incidents and outbox rows it deleted.
	ExpireIncidents(ctx context.Context, before time.Time) (incidents, messages int64, err error)
}

// ExpiryBatch bounds the incidents one transaction of ExpireIncidents
// deletes, so that the first run on a big install, with a year of
// incidents behind it, holds the writer for a moment at a time.
const ExpiryBatch = 500

// ExpirableIncidentsSQL selects up to $3 ids of incidents in state $1 last
// changed before $2 (unix nanoseconds) with no message still to deliver,
// oldest first. Both stores run it ($n or ?n).
const ExpirableIncidentsSQL = `SELECT i.id FROM incidents i
	WHERE i.state = $1 AND i.updated_at < $2
	AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident = i.id AND o.state = 'pending')
	ORDER BY i.updated_at, i.id LIMIT $3`
