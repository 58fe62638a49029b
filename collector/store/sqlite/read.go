package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// selectBranches reads branches with their descriptors: every branch has
// a contact, and a descriptor once its agent sent one (migration 14).
const selectBranches = `SELECT c.id, b.descriptor, c.contact_at, c.agent_version, c.config_hash, c.clock_skew_ns, c.heartbeat
FROM branch_contacts c LEFT JOIN branches b ON b.id = c.id`

// selectContacts is selectBranches with NULL for the descriptor, read from
// the narrow contacts table alone.
const selectContacts = `SELECT id, NULL, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branch_contacts`

// Branches returns every known branch, ordered by id.
func (s *Store) Branches(ctx context.Context) ([]store.Branch, error) {
	return s.branches(ctx, selectBranches+" ORDER BY c.id")
}

// BranchContacts returns every known branch without its descriptor, ordered
// by id: a board that keeps descriptors decoded by config hash need not read
// and decode 20,000 of them on every refresh.
func (s *Store) BranchContacts(ctx context.Context) ([]store.Branch, error) {
	return s.branches(ctx, selectContacts+" ORDER BY id")
}

func (s *Store) branches(ctx context.Context, q string) ([]store.Branch, error) {
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: branches: %w", err)
	}
	defer rows.Close()
	bs := []store.Branch{}
	for rows.Next() {
		b, err := scanBranch(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: branches: %w", err)
		}
		bs = append(bs, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: branches: %w", err)
	}
	return bs, nil
}

// BranchesChangedSince returns the contacts of the branches whose last
// contact is at or after since, ordered by id, their heartbeats left
// encoded: a collector that keeps every branch in memory reads only what
// other writers changed instead of listing and decoding every branch. The
// narrow branch_contacts table serves it without reading a descriptor.
func (s *Store) BranchesChangedSince(ctx context.Context, since time.Time) ([]store.ContactRow, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat
FROM branch_contacts WHERE contact_at >= ? ORDER BY id`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite store: branches changed since %s: %w", since, err)
	}
	defer rows.Close()
	out := []store.ContactRow{}
	for rows.Next() {
		var (
			r    store.ContactRow
			at   int64
			skew int64
		)
		// A NULL heartbeat scans as a nil slice.
		if err := rows.Scan(&r.ID, &at, &r.Contact.AgentVersion, &r.Contact.ConfigHash, &skew, &r.Heartbeat); err != nil {
			return nil, fmt.Errorf("sqlite store: branches changed since %s: %w", since, err)
		}
		r.Contact.At, r.Contact.ClockSkew = time.Unix(0, at).UTC(), time.Duration(skew)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: branches changed since %s: %w", since, err)
	}
	return out, nil
}

// Branch returns one branch, or an error wrapping store.ErrNotFound.
func (s *Store) Branch(ctx context.Context, id string) (store.Branch, error) {
	row := s.rdb.QueryRowContext(ctx, selectBranches+" WHERE c.id = ?", id)
	b, err := scanBranch(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Branch{}, fmt.Errorf("sqlite store: branch %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Branch{}, fmt.Errorf("sqlite store: branch %q: %w", id, err)
	}
	return b, nil
}

// Confirmations returns a branch's confirmations for a date, oldest first.
func (s *Store) Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT device, check_name, date, by_name, at, problem FROM confirmations
		WHERE branch = ? AND date = ? ORDER BY at, rowid`, branch, date)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: confirmations of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := store.ScanConfirmations(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: confirmations of %q: %w", branch, err)
	}
	return out, nil
}

func decodeHealth(hb sql.NullString, b *store.Branch) error {
	if !hb.Valid {
		return nil
	}
	b.Contact.Health = new(result.Health)
	if err := json.Unmarshal([]byte(hb.String), b.Contact.Health); err != nil {
		return fmt.Errorf("branch %q: decode heartbeat: %w", b.ID, err)
	}
	return nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanBranch(sc scanner) (store.Branch, error) {
	var (
		b    store.Branch
		desc []byte
		at   sql.NullInt64
		skew int64
		hb   sql.NullString
	)
	if err := sc.Scan(&b.ID, &desc, &at, &b.Contact.AgentVersion, &b.Contact.ConfigHash, &skew, &hb); err != nil {
		return b, err
	}
	if desc != nil {
		js, err := unpackDescriptor(desc)
		if err != nil {
			return b, fmt.Errorf("branch %q: %w", b.ID, err)
		}
		b.Descriptor = new(result.Descriptor)
		if err := json.Unmarshal(js, b.Descriptor); err != nil {
			return b, fmt.Errorf("branch %q: decode descriptor: %w", b.ID, err)
		}
	}
	if at.Valid {
		b.Contact.At = time.Unix(0, at.Int64).UTC()
	}
	b.Contact.ClockSkew = time.Duration(skew)
	if err := decodeHealth(hb, &b); err != nil {
		return b, err
	}
	return b, nil
}

// scanResult reads a row of legacyColumns, the results table of earlier
// versions.
func scanResult(sc scanner) (result.Result, error) {
	var (
		r       result.Result
		status  string
		started int64
		obs     sql.NullString
	)
	if err := sc.Scan(&r.ID, &r.Branch, &r.Device, &r.Check, &r.Kind, &status, &started,
		&r.DurationMS, &r.Reason, &obs, &r.Sweep, &r.AgentVersion); err != nil {
		return r, err
	}
	r.Status = result.Status(status)
	r.StartedAt = time.Unix(0, started).UTC()
	if obs.Valid {
		if err := json.Unmarshal([]byte(obs.String), &r.Observations); err != nil {
			return r, fmt.Errorf("result %q: decode observations: %w", r.ID, err)
		}
	}
	return r, nil
}

// DescriptorVersions returns a branch's descriptor versions, oldest first.
func (s *Store) DescriptorVersions(ctx context.Context, branch string) ([]store.DescriptorVersion, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT h.effective_at, h.descriptor, b.descriptor
		FROM descriptor_history h LEFT JOIN branches b ON b.id = h.branch
		WHERE h.branch = ? ORDER BY h.effective_at`, branch)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: descriptor versions of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := scanDescriptorVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: descriptor versions of %q: %w", branch, err)
	}
	return out, nil
}

// scanDescriptorVersions reads rows of effective_at, a stored version and
// the branch's current descriptor (descblob.go), oldest first, as
// store.ScanDescriptorVersions reads JSON text.
func scanDescriptorVersions(rows *sql.Rows) ([]store.DescriptorVersion, error) {
	out := []store.DescriptorVersion{}
	for rows.Next() {
		var (
			at              int64
			stored, current []byte
		)
		if err := rows.Scan(&at, &stored, &current); err != nil {
			return nil, err
		}
		js, err := resolveVersion(stored, current)
		if err != nil {
			return nil, err
		}
		v, err := store.DecodeDescriptorVersion(at, js)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
