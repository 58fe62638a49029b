package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/branchready/branchready/collector/store"
)

// ErrClosed is returned by writes made after Close.
var ErrClosed = errors.New("store is closed")

// readConns bounds the read pool; WAL lets these run beside the writer.
const readConns = 4

// Store is the SQLite implementation of store.Store.
type Store struct {
	log  *slog.Logger
	path string
	rdb  *sql.DB // read-only pool
	// rstmts are statements prepared on rdb (statements.go).
	rstmts statements
	w      *writer
	// waiting holds the messages enqueued behind others (outboxwaiting.go).
	waiting waiting

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan *request
	urgent chan *request
	done   chan struct{} // closed when the writer has exited
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path, brings its
// schema up to date and starts the writer. A database written by a newer
// collector is refused with ErrSchemaTooNew.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite store: path %q: must be a plain file path", path)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	wdb, err := openWriterDB(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	if err := migrate(ctx, wdb, ms); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	w, err := newWriter(wdb, log)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	if w.cp, err = newCheckpointer(path, log); err != nil {
		_ = w.close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	rdb, err := openReaderDB(ctx, path)
	if err != nil {
		_ = w.close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	rstmts, err := prepareStatements(ctx, rdb, readerStatements)
	if err != nil {
		_ = errors.Join(rdb.Close(), w.close())
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	s := &Store{log: log, path: path, rdb: rdb, rstmts: rstmts, w: w, reqs: make(chan *request, queueLen), urgent: make(chan *request, queueLen), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		w.run(s.reqs, s.urgent)
	}()
	log.Info("store opened", "driver", "sqlite", "path", path, "schema_version", len(ms))
	return s, nil
}

// dsn builds a modernc.org/sqlite DSN: a busy timeout so readers and a
// second process wait instead of failing, foreign keys on, FULL sync, and
// temporary data (statement journals of multi-row inserts) in memory rather
// than in temporary files.
func dsn(path string, extra ...string) string {
	q := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(FULL)",
		"_pragma=temp_store(MEMORY)",
	}
	return path + "?" + strings.Join(append(q, extra...), "&")
}

// writerCacheKiB is the writer connection's page cache, in KiB: 4,096
// pages of 4 KiB.
//
// It was 64 MiB, and every commit then paid a walk of the whole cache.
// When SQLite splits a b-tree page it may swap two new pages' numbers
// through a spare one, the page of the lock byte (1 GiB / 4 KiB + 1 =
// 262,145, balance_nonroot's pgnoTemp); that raises the cache's highest
// page number seen to 262,145, and the commit's truncation of the cache
// to the database's size (pager_end_transaction -> sqlite3PcacheTruncate)
// then visits every hash bucket and every cached page, since the span to
// drop is wider than the hash table. Nearly every transaction of a wave
// splits some index page (the chunks' and the contacts' indexes take keys
// all over their range): 77 of 79 commits of BenchmarkWriterSweep walked
// all 16,384 buckets and 15,856 pages, 2.3 ms each, and
// pcache1TruncateUnsafe was 4.3% of a 20,000-branch wave's collector CPU.
// The walk costs what the cache holds, so a smaller cache makes it
// cheaper in proportion; the writer rereads little (it remembers each
// branch's latest chunks, recent.go) and the pages it misses come from
// the OS's file cache. BenchmarkWriterSmallGroups: writer CPU per 400,000
// results 4.5-4.7 s at 64 MiB, 3.3-3.6 s at 16 MiB, 3.3-4.0 s at 8 MiB;
// under perf, pcache1TruncateUnsafe 3.2% of its process at 64 MiB, 1.0%
// at 16 MiB (where the seeding had grown the hash table to 16,384 buckets
// first; opened at 16 MiB it stays at 8,192).
// A database past 1 GiB never pays the walk (page 262,145 is then inside
// it, and nothing above it is cached).
const writerCacheKiB = 16384

// openWriterDB opens the single writing connection. database/sql never lets
// it go (no idle or lifetime limit), so statements prepared on it stay
// prepared, and its transactions take the write lock at BEGIN.
func openWriterDB(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)", fmt.Sprintf("_pragma=cache_size(-%d)", writerCacheKiB), fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", writerAutocheckpoint), "_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = db.Close()
		return nil, fmt.Errorf("journal mode is %q, WAL is required (is the file on a local disk?)", mode)
	}
	return db, nil
}

// openReaderDB opens the pool of read-only connections.
func openReaderDB(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, "_query_only=1"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(readConns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open readers: %w", err)
	}
	return db, nil
}

// queue is where req waits for the writer.
func (s *Store) queue(req *request) chan *request {
	if req.urgent {
		return s.urgent
	}
	return s.reqs
}

// Close waits for queued writes to commit, then releases the database. Later
// writes fail with ErrClosed. Calling Close again returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	close(s.urgent)
	s.mu.Unlock()
	<-s.done
	werr := errors.Join(s.w.cp.close(), s.w.close())
	rerr := errors.Join(s.rstmts.close(), s.rdb.Close())
	if err := errors.Join(werr, rerr); err != nil {
		return fmt.Errorf("sqlite store %s: close: %w", s.path, err)
	}
	s.log.Info("store closed", "driver", "sqlite", "path", s.path)
	return nil
}

// submit hands req to the writer and waits for its answer or for ctx to end.
// When ctx ends after the writer took req, the write may still commit; since
// writes are idempotent, the caller may retry.
func (s *Store) submit(ctx context.Context, req *request) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	req.ctx = ctx
	req.reply = make(chan reply, 1)
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return 0, fmt.Errorf("sqlite store %s: %w", s.path, ErrClosed)
	}
	select {
	case s.queue(req) <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return 0, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
