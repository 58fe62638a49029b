package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// WriteResults stores rs in one transaction, committed (and synced) before it
// returns, one chunk per branch and UTC day. Results whose id is already
// stored for their branch, or repeated within rs, are counted as duplicates
// and left as they are. A copy is recognised in the branch's chunks that
// overlap its batch's time span (so an unchanged copy, however old) and in
// the branch's latest chunks (recentChunks: a retry whose times ingest
// corrected differently); a copy moved in time that arrives after its
// branch stored more batches is stored again (PostgreSQL: one moved by more
// than DedupWindow).
func (s *Store) WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error) {
	if len(rs) == 0 {
		return 0, 0, ctx.Err()
	}
	// Encoding happens here, on the caller's goroutine, so the single writer
	// only probes and inserts.
	n, err := s.submit(ctx, &request{parts: encodeParts(rs), received: receivedAt.UnixNano(), rows: len(rs)})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite store: write %d results: %w", len(rs), err)
	}
	return n, len(rs) - n, nil
}

// DeleteResults removes branch's results that started before before. It
// goes through the writer like any write: the chunks that end before the
// cutoff are deleted, the one or two that straddle it are rewritten without
// their older results, so the count is of results, as it always was. A
// branch with nothing that old costs one read and no write: the first
// retention run after a start, a minute in, asks this of every branch,
// 20,000 of them in a bank, while a pre-opening wave may be writing.
func (s *Store) DeleteResults(ctx context.Context, branch string, before time.Time) (int64, error) {
	if !s.w.legacy.Load() {
		var one int
		err := s.rstmts.queryRow(ctx, s.rdb, anyOldChunkSQL, branch, before.UnixNano(), saturatedAdd(before.UnixNano(), day)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("sqlite store: look for old results of %q: %w", branch, err)
		}
	}
	n, err := s.submit(ctx, &request{prune: []any{branch, before.UnixNano()}, rows: 1})
	if err != nil {
		return 0, fmt.Errorf("sqlite store: delete results of %q: %w", branch, err)
	}
	return int64(n), nil
}

// PutConfirmation appends a staff confirmation.
func (s *Store) PutConfirmation(ctx context.Context, branch string, c result.Confirmation) error {
	_, err := s.submit(ctx, &request{rows: 1, exec: []any{
		`INSERT INTO confirmations (branch, device, check_name, date, by_name, at, problem) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		branch, c.Device, c.Check, c.Date, c.By, c.At.UnixNano(), c.Problem}})
	if err != nil {
		return fmt.Errorf("sqlite store: confirmation for %q: %w", branch, err)
	}
	return nil
}

// PutBranch records an agent's contact and, when d is non-nil, its descriptor.
func (s *Store) PutBranch(ctx context.Context, id string, d *result.Descriptor, c store.Contact) error {
	req := &request{}
	if err := req.setBranch(id, d, c); err != nil {
		return fmt.Errorf("sqlite store: branch %q: %w", id, err)
	}
	if _, err := s.submit(ctx, req); err != nil {
		return fmt.Errorf("sqlite store: put branch %q: %w", id, err)
	}
	return nil
}

// WriteBatch stores one ingest request in one transaction, committed (and
// synced) before it returns: rs as WriteResults does, then the branch's
// contact and descriptor as PutBranch does. One commit per request instead
// of two halves the time a request waits for the writer, and the contact
// can never be stored without its results.
func (s *Store) WriteBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, d *result.Descriptor, c store.Contact) (inserted, duplicates int, err error) {
	req := &request{rows: len(rs) + 1, parts: encodeParts(rs), received: receivedAt.UnixNano()}
	if err := req.setBranch(branch, d, c); err != nil {
		return 0, 0, fmt.Errorf("sqlite store: branch %q: %w", branch, err)
	}
	n, err := s.submit(ctx, req)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite store: write %d results and the contact of %q: %w", len(rs), branch, err)
	}
	return n, len(rs) - n, nil
}

// WriteBatchJSON is WriteBatch with the descriptor as the JSON the agent
// sent and its SHA-256, "" for none (see ingest.DescriptorJSONWriter): a
// new descriptor is stored as it came, without being encoded again.
func (s *Store) WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, desc string, sum [32]byte, c store.Contact) (inserted, duplicates int, err error) {
	req := &request{rows: len(rs) + 1, parts: encodeParts(rs), received: receivedAt.UnixNano()}
	if err := req.setBranchJSON(branch, desc, sum, c); err != nil {
		return 0, 0, fmt.Errorf("sqlite store: branch %q: %w", branch, err)
	}
	n, err := s.submit(ctx, req)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite store: write %d results and the contact of %q: %w", len(rs), branch, err)
	}
	return n, len(rs) - n, nil
}

// HasDescriptor reports whether the descriptor stored for branch is the
// JSON whose SHA-256 is sum, as far as this store's writer knows: it
// remembers the descriptors it committed since the store was opened, so
// after a restart each branch's first descriptor is written once more.
// The ingest handler skips decoding a descriptor the store holds.
func (s *Store) HasDescriptor(branch string, sum [32]byte) bool {
	return s.w.hasDescriptor(branch, sum)
}

// setBranch encodes a branch upsert into r. The descriptor's digest lets
// the writer skip rewriting a descriptor it committed already.
func (r *request) setBranch(id string, d *result.Descriptor, c store.Contact) error {
	if d == nil {
		return r.setBranchJSON(id, "", [32]byte{}, c)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode descriptor: %w", err)
	}
	return r.setBranchJSON(id, string(b), sha256.Sum256(b), c)
}

// setBranchJSON is setBranch with the descriptor as its JSON and the
// JSON's SHA-256, "" for none.
func (r *request) setBranchJSON(id, descJSON string, sum [32]byte, c store.Contact) error {
	var desc any
	if descJSON != "" {
		r.descSum, r.descJSON = sum, descJSON
		desc = packDescriptor([]byte(descJSON), sum)
	}
	hb, err := store.EncodeHealth(c.Health)
	if err != nil {
		return err
	}
	r.branch = []any{id, desc, nanos(c.At), c.AgentVersion, c.ConfigHash, int64(c.ClockSkew), hb}
	return nil
}

// nanos stores t as unix nanoseconds, and the zero time as NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}
