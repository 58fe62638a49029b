package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// branchColumns are a branch's columns as scanBranch reads them: its
// descriptor's text, or that of the jsonb stored before migration 0014.
const branchColumns = "id, COALESCE(descriptor_json, descriptor::text), contact_at, agent_version, config_hash, clock_skew_ns, heartbeat"

// contactColumns are branchColumns with NULL for the descriptor.
const contactColumns = "id, NULL::text, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat"

// Branches returns every known branch, ordered by id.
func (s *Store) Branches(ctx context.Context) ([]store.Branch, error) {
	return s.branches(ctx, branchColumns)
}

// BranchContacts returns every known branch without its descriptor, ordered
// by id: a board that keeps descriptors decoded by config hash need not read
// and decode 20,000 of them on every refresh.
func (s *Store) BranchContacts(ctx context.Context) ([]store.Branch, error) {
	return s.branches(ctx, contactColumns)
}

func (s *Store) branches(ctx context.Context, columns string) ([]store.Branch, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+columns+" FROM branches ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres store: branches: %w", err)
	}
	bs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Branch, error) { return scanBranch(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres store: branches: %w", err)
	}
	return bs, nil
}

// changedSince reads the contacts at or after $1 that store $2 did not
// write, and those of the branches $3 (see BranchesChangedSince).
const changedSince = `SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat
FROM branches WHERE contact_at >= $1 AND (written_by < $2 OR written_by > $2 OR written_by IS NULL OR id = ANY($3))
ORDER BY id`

// BranchesChangedSince returns the contacts of the branches whose last
// contact is at or after since, ordered by id, their heartbeats left
// encoded: a collector that keeps every branch in memory reads only what
// other collectors changed instead of listing and decoding every branch.
//
// It leaves out the rows this store's group writers wrote last
// (written_by, WriteBatch): ingest tells the branch directory of each
// itself, and during a wave reading them back was some 10,000 rows a
// call, a few calls a second. A row whose caller never learnt it was
// committed (unsure) is listed all the same until a read after its
// commit. Rows of other collectors, of PutBranch, and of this collector
// before a restart are listed.
//
// Without an index on contact_at (which would make every contact update
// a non-HOT update) it finds the rows not written here through the index
// on written_by (a condition per side of this store's id, as a btree
// cannot search for "not equal"), or, when they are many (another
// collector shares the wave), scans the branches' heap rows.
func (s *Store) BranchesChangedSince(ctx context.Context, since time.Time) ([]store.ContactRow, error) {
	unsure, mark := s.unsure.take()
	rows, err := s.pool.Query(ctx, changedSince,
		since.UnixNano(), s.id, unsure)
	if err != nil {
		return nil, fmt.Errorf("postgres store: branches changed since %s: %w", since, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ContactRow, error) {
		var (
			r    store.ContactRow
			at   int64
			skew int64
			hb   *string
		)
		if err := row.Scan(&r.ID, &at, &r.Contact.AgentVersion, &r.Contact.ConfigHash, &skew, &hb); err != nil {
			return r, err
		}
		r.Contact.At, r.Contact.ClockSkew = time.Unix(0, at).UTC(), time.Duration(skew)
		if hb != nil {
			r.Heartbeat = []byte(*hb)
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: branches changed since %s: %w", since, err)
	}
	s.unsure.done(mark)
	return out, nil
}

// Branch returns one branch, or an error wrapping store.ErrNotFound.
func (s *Store) Branch(ctx context.Context, id string) (store.Branch, error) {
	b, err := scanBranch(s.reads(ctx).QueryRow(ctx, "SELECT "+branchColumns+" FROM branches WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Branch{}, fmt.Errorf("postgres store: branch %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Branch{}, fmt.Errorf("postgres store: branch %q: %w", id, err)
	}
	return b, nil
}

func decodeHealth(hb *string, b *store.Branch) error {
	if hb == nil {
		return nil
	}
	b.Contact.Health = new(result.Health)
	if err := json.Unmarshal([]byte(*hb), b.Contact.Health); err != nil {
		return fmt.Errorf("branch %q: decode heartbeat: %w", b.ID, err)
	}
	return nil
}

func scanBranch(row pgx.Row) (store.Branch, error) {
	var (
		b    store.Branch
		desc *string
		at   *int64
		skew int64
		hb   *string
	)
	if err := row.Scan(&b.ID, &desc, &at, &b.Contact.AgentVersion, &b.Contact.ConfigHash, &skew, &hb); err != nil {
		return b, err
	}
	if desc != nil {
		b.Descriptor = new(result.Descriptor)
		if err := json.Unmarshal([]byte(*desc), b.Descriptor); err != nil {
			return b, fmt.Errorf("branch %q: decode descriptor: %w", b.ID, err)
		}
	}
	if at != nil {
		b.Contact.At = time.Unix(0, *at).UTC()
	}
	b.Contact.ClockSkew = time.Duration(skew)
	if err := decodeHealth(hb, &b); err != nil {
		return b, err
	}
	return b, nil
}

func scanResult(row pgx.Row) (result.Result, error) {
	var (
		r       result.Result
		status  string
		started int64
		obs     *string
	)
	if err := row.Scan(&r.ID, &r.Branch, &r.Device, &r.Check, &r.Kind, &status, &started,
		&r.DurationMS, &r.Reason, &obs, &r.Sweep, &r.AgentVersion); err != nil {
		return r, err
	}
	r.Status = result.Status(status)
	r.StartedAt = time.Unix(0, started).UTC()
	if obs != nil {
		if err := json.Unmarshal([]byte(*obs), &r.Observations); err != nil {
			return r, fmt.Errorf("result %q: decode observations: %w", r.ID, err)
		}
	}
	return r, nil
}

// DescriptorVersions returns a branch's descriptor versions, oldest first.
func (s *Store) DescriptorVersions(ctx context.Context, branch string) ([]store.DescriptorVersion, error) {
	rows, err := s.reads(ctx).Query(ctx, `SELECT effective_at, COALESCE(descriptor_json, descriptor::text) FROM descriptor_history
		WHERE branch = $1 ORDER BY effective_at`, branch)
	if err != nil {
		return nil, fmt.Errorf("postgres store: descriptor versions of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := store.ScanDescriptorVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: descriptor versions of %q: %w", branch, err)
	}
	return out, nil
}
