package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	log  *slog.Logger
	pool *pgxpool.Pool
	// pages serves the reads of a person's request (see reads).
	pages *pgxpool.Pool

	// writes queues WriteBatch calls for the group writers (group.go);
	// closeMu and closed keep a call from queueing once Close has closed
	// it.
	writes  chan *writeReq
	writers sync.WaitGroup
	closeMu sync.RWMutex
	closed  bool

	// legacyEnd bounds (unix ns, exclusive) the starts of the results the
	// results table written before migration 0013 held at Open; 0 when it
	// held none. Reads and the dedup check look there only for times
	// before it (legacy.go).
	legacyEnd int64

	// id marks the branch rows this store's group writers write
	// (branches.written_by), random at each Open: BranchesChangedSince
	// leaves them out, as ingest tells the branch directory of them.
	id int64
	// unsure are the branches whose contact a group writer committed
	// while its caller did not learn it (gave up waiting, or got an
	// error for the request's later part): ingest told nobody of them, so
	// BranchesChangedSince lists them until a read after the commit.
	unsure unsureSet
	// firsts are the batches that were their branch's first (FirstBatch).
	firsts firstBatches
	// outboxSeq is the highest outbox seq this store has seen: the
	// outbox's size class in the outbox statements' text (outboxsize.go).
	outboxSeq atomic.Int64
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (a libpq connection string or
// postgres:// URL), brings its schema up to date and returns the store. A
// database migrated by a newer collector is refused with ErrSchemaTooNew.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included: keep it out.
		return nil, errors.New("postgres store: the connection string cannot be parsed")
	}
	toast := tune(cfg, dsn)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: connect to %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	if toast != nil {
		if err := toast.chooseLZ4(ctx, pool); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres store: %w", err)
		}
	}
	if err := migrate(ctx, pool, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	log.Info("store opened", "driver", "postgres", "host", cfg.ConnConfig.Host, "database", cfg.ConnConfig.Database,
		"schema_version", len(ms))
	pages, err := openPages(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	s := &Store{log: log, pool: pool, pages: pages, id: rand.Int64()}
	if s.legacyEnd, err = legacyEnd(ctx, pool); err != nil {
		pool.Close()
		pages.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	s.startWriters()
	// The partitions of yesterday to a few days ahead, where nearly every
	// result goes: the leader's retention runs make the rest (the days
	// behind that a spool may still deliver for, a minute after it starts)
	// and keep these made ahead, but there may be no leader yet.
	now := time.Now()
	if _, err := s.EnsurePartitions(ctx, now.Add(-day), now.Add(PartitionsAhead*day)); err != nil {
		// Not fatal: results of a day without its partition are kept in
		// the DEFAULT one until a retention run makes it.
		log.Warn("results partitions not made at start; retried by the leader's retention runs", "err", err)
	}
	return s, nil
}

// minConns is the pool size unless the DSN sets pool_max_conns: the group
// writers hold at most groupWriters connections, and the readers (the
// judge, the alert engine, board pages, the outbox) share the rest.
const minConns = groupWriters + 6

// tune sets the pool's defaults that the DSN does not set itself:
//   - the pool size (minConns rather than pgxpool's max(4, NumCPU));
//   - max_parallel_workers_per_gather 0: the collector's reads are many
//     small ones (the judge's ResultsOf reads some thousand rows), for
//     which PostgreSQL would start two worker processes each time, which
//     costs more processor time than they save on a server that shares
//     its cores with the collector;
//   - lz4 for the TOAST values the store writes, when the server has it
//     (toast.go): tune returns the switch that Open sets once it knows,
//     nil when the DSN chose a method itself.
//
// Commits stay synchronous (the server's synchronous_commit): an
// acknowledged result must survive a server crash. Statements are
// prepared once per connection (pgx's statement cache, its default).
func tune(cfg *pgxpool.Config, dsn string) *toastCompression {
	if !strings.Contains(dsn, "pool_max_conns") && cfg.MaxConns < minConns {
		cfg.MaxConns = minConns
	}
	if _, set := cfg.ConnConfig.RuntimeParams["max_parallel_workers_per_gather"]; !set {
		cfg.ConnConfig.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	}
	if _, set := cfg.ConnConfig.RuntimeParams[toastParam]; set {
		return nil
	}
	toast := &toastCompression{}
	cfg.BeforeConnect = toast.beforeConnect
	return toast
}

// Close waits for the writes in flight, then closes every connection. Later
// calls fail. Calling Close again returns nil.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.writes)
	}
	s.closeMu.Unlock()
	s.writers.Wait()
	s.pool.Close()
	if s.pages != nil {
		s.pages.Close()
	}
	return nil
}

// contactRows are the contacts of some branches (distinct ids: a row is
// updated at most once per statement) and the descriptors that came with
// them (JSON as the agent sent it, or as the collector encoded it; see
// WriteBatchJSON) with their SHA-256, given as
// arrays, and ($9) the store that writes them (Store.id; NULL: not ingest
// through a group writer, see BranchesChangedSince).
const contactRows = `SELECT u.id, u.descriptor, u.sum, u.contact_at, u.agent_version, u.config_hash, u.clock_skew_ns, u.heartbeat,
		$9::bigint AS written_by
	FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[])
		AS u(id, descriptor, sum, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat)`

// contactColumnsIn are the columns of branches that contactRows fill.
const contactColumnsIn = `branches AS b (id, descriptor_json, descriptor_sum, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat,
	written_by)`

// onContactConflict updates a branch's row: a contact without a
// descriptor or heartbeat keeps the stored one, and so does one whose
// descriptor's checksum equals the stored one's (nothing parsed, no new
// TOAST value to compress and write: an agent sends its descriptor again
// after every start). A changed descriptor replaces one stored as jsonb
// before migration 0014 by its text.
const onContactConflict = `
ON CONFLICT (id) DO UPDATE SET
	descriptor = CASE WHEN EXCLUDED.descriptor_sum IS NULL OR EXCLUDED.descriptor_sum = b.descriptor_sum
		THEN b.descriptor END,
	descriptor_json = CASE WHEN EXCLUDED.descriptor_sum IS NULL OR EXCLUDED.descriptor_sum = b.descriptor_sum
		THEN b.descriptor_json ELSE EXCLUDED.descriptor_json END,
	descriptor_sum = COALESCE(EXCLUDED.descriptor_sum, b.descriptor_sum),
	contact_at = EXCLUDED.contact_at,
	agent_version = EXCLUDED.agent_version,
	config_hash = EXCLUDED.config_hash,
	clock_skew_ns = EXCLUDED.clock_skew_ns,
	heartbeat = COALESCE(EXCLUDED.heartbeat, b.heartbeat),
	written_by = EXCLUDED.written_by`

// upsertContacts records contactRows that carry no descriptor, as most
// requests do (an agent sends its descriptor with its first batch after
// a start and when its configuration changes).
const upsertContacts = `INSERT INTO ` + contactColumnsIn + `
` + contactRows + onContactConflict

// putContacts records contactRows and, in the same statement, adds each
// descriptor that came as a version when it differs from the branch's
// stored one: its checksum against the stored checksum, both read before
// the upsert (a statement sees the rows as they were when it began). The
// stored row is probed once per contact (a subquery, never a join whose
// cached generic plan could scan every branch). A row stored before
// migration 0014 has no checksum: its descriptor is compared, parsed, with
// the branch's latest version as before, once. Two collectors racing on
// one branch may both append the same version; the readers treat
// consecutive equal versions as one.
const putContacts = `WITH u AS MATERIALIZED (SELECT c.*,
	(SELECT b.descriptor_sum FROM branches b WHERE b.id = c.id) AS old_sum,
	COALESCE((SELECT b.descriptor IS NOT NULL FROM branches b WHERE b.id = c.id), false) AS old_jsonb
	FROM (` + contactRows + `) AS c),
contacts AS (INSERT INTO ` + contactColumnsIn + `
	SELECT id, descriptor, sum, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat, written_by FROM u` +
	onContactConflict + `)
INSERT INTO descriptor_history (branch, effective_at, descriptor_json)
SELECT u.id, COALESCE(u.contact_at, 0), u.descriptor FROM u
WHERE u.sum IS NOT NULL AND u.sum IS DISTINCT FROM u.old_sum
	AND (NOT u.old_jsonb OR u.descriptor::jsonb IS DISTINCT FROM (SELECT COALESCE(h.descriptor_json::jsonb, h.descriptor)
		FROM descriptor_history h WHERE h.branch = u.id ORDER BY h.effective_at DESC LIMIT 1))
ON CONFLICT (branch, effective_at) DO UPDATE SET descriptor_json = EXCLUDED.descriptor_json, descriptor = NULL`

// groupUpsertContacts is upsertContacts as a part of the statement that
// takes a group's branch locks (lockBranches, its branches in $10): a
// group's transaction is then two statements, this and the chunks'
// insert, rather than three, each of which costs the server its bind,
// start and end whatever its rows. Whichever of its parts PostgreSQL runs
// first, both have run when it ends: the locks are held before the
// chunks' insert, which must see what their previous holders committed
// and so remains a statement of its own. The upsert needs no lock and
// reads nothing as of the statement's start (ON CONFLICT updates each row
// as last committed); putContacts, which compares descriptors with the
// stored ones, stays a statement after the locks'. The lock comes first in
// the text, which is what pg_stat_activity shows of a long statement.
var groupUpsertContacts = `WITH locked AS (` + lockBranchesAfterContacts + `),
contacts AS (` + upsertContacts + `)
SELECT * FROM locked`

// PutConfirmation appends a staff confirmation.
func (s *Store) PutConfirmation(ctx context.Context, branch string, c result.Confirmation) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO confirmations (branch, device, check_name, date, by_name, at, problem)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, branch, c.Device, c.Check, c.Date, c.By, c.At.UnixNano(), c.Problem)
	if err != nil {
		return fmt.Errorf("postgres store: confirmation for %q: %w", branch, err)
	}
	return nil
}

// Confirmations returns a branch's confirmations for a date, oldest first.
func (s *Store) Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error) {
	rows, err := s.reads(ctx).Query(ctx, `SELECT device, check_name, date, by_name, at, problem FROM confirmations
		WHERE branch = $1 AND date = $2 ORDER BY at`, branch, date)
	if err != nil {
		return nil, fmt.Errorf("postgres store: confirmations of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := store.ScanConfirmations(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: confirmations of %q: %w", branch, err)
	}
	return out, nil
}

// PutBranch records an agent's contact and, when d is non-nil, its descriptor.
func (s *Store) PutBranch(ctx context.Context, id string, d *result.Descriptor, c store.Contact) error {
	row, err := contactOf(id, d, c)
	if err != nil {
		return fmt.Errorf("postgres store: branch %q: %w", id, err)
	}
	rows := []contactRow{row}
	if _, err := s.pool.Exec(ctx, contactsStatement(rows), contactArgs(rows, nil)...); err != nil {
		return fmt.Errorf("postgres store: put branch %q: %w", id, err)
	}
	return nil
}

// contactRow is one row of branches as putContacts writes it, with the
// descriptor (JSON) that came with it, if any.
type contactRow struct {
	id, agentVersion, configHash string
	descriptor, heartbeat        *string
	sum                          []byte // SHA-256 of descriptor; nil without one
	at                           *int64
	skew                         int64
}

// contactOf encodes a branch's contact and descriptor (nil: none came).
func contactOf(id string, d *result.Descriptor, c store.Contact) (contactRow, error) {
	var desc *string
	var sum []byte
	if d != nil {
		b, err := json.Marshal(d)
		if err != nil {
			return contactRow{}, fmt.Errorf("encode descriptor: %w", err)
		}
		s, h := string(b), sha256.Sum256(b)
		desc, sum = &s, h[:]
	}
	return contactWith(id, desc, sum, c)
}

// contactsStatement is the statement that records rows: putContacts when
// a descriptor came with one, else upsertContacts.
func contactsStatement(rows []contactRow) string {
	for _, r := range rows {
		if r.descriptor != nil {
			return putContacts
		}
	}
	return upsertContacts
}

// contactArgs are contactsStatement's arguments for rows (distinct ids),
// written by writer (nil: not by a group writer).
func contactArgs(rows []contactRow, writer *int64) []any {
	n := len(rows)
	ids, versions, hashes := make([]string, n), make([]string, n), make([]string, n)
	descs, beats, sums := make([]*string, n), make([]*string, n), make([][]byte, n)
	ats, skews := make([]*int64, n), make([]int64, n)
	for i, c := range rows {
		ids[i], versions[i], hashes[i], descs[i], sums[i], beats[i], ats[i], skews[i] =
			c.id, c.agentVersion, c.configHash, c.descriptor, c.sum, c.heartbeat, c.at, c.skew
	}
	return []any{ids, descs, sums, ats, versions, hashes, skews, beats, writer}
}
