package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

var _ store.Registry = (*Store)(nil)

// PutRegistered creates or updates branches in one transaction.
func (s *Store) PutRegistered(ctx context.Context, bs []store.RegisteredBranch) (store.PutCounts, error) {
	var c store.PutCounts
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c = store.PutCounts{}
		for _, b := range bs {
			tag, err := tx.Exec(ctx, `INSERT INTO branch_registry (id, name, region, channel, created_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (id) DO NOTHING`, b.ID, b.Name, b.Region, b.Channel, b.Created.UnixNano())
			if err != nil {
				return fmt.Errorf("branch %s: %w", b.ID, err)
			}
			if tag.RowsAffected() == 1 {
				c.Created++
				continue
			}
			tag, err = tx.Exec(ctx, `UPDATE branch_registry SET name = $2, region = $3, channel = $4
				WHERE id = $1 AND (name, region, channel) IS DISTINCT FROM ($2, $3, $4)`, b.ID, b.Name, b.Region, b.Channel)
			if err != nil {
				return fmt.Errorf("branch %s: %w", b.ID, err)
			}
			if tag.RowsAffected() == 1 {
				c.Updated++
			} else {
				c.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return store.PutCounts{}, fmt.Errorf("postgres store: register branches: %w", err)
	}
	return c, nil
}

const registryColumns = "id, name, region, channel, created_at, revoked_at"

// RegisteredBranches returns every registered branch, ordered by id.
func (s *Store) RegisteredBranches(ctx context.Context) ([]store.RegisteredBranch, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+registryColumns+" FROM branch_registry ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres store: registered branches: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanRegistered(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: registered branches: %w", err)
	}
	return out, nil
}

// RegisteredBranch returns one registered branch or ErrNotFound.
func (s *Store) RegisteredBranch(ctx context.Context, id string) (store.RegisteredBranch, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+registryColumns+" FROM branch_registry WHERE id = $1", id)
	if err != nil {
		return store.RegisteredBranch{}, fmt.Errorf("postgres store: registered branch %q: %w", id, err)
	}
	defer rows.Close()
	out, err := store.ScanRegistered(rows)
	if err != nil {
		return store.RegisteredBranch{}, fmt.Errorf("postgres store: registered branch %q: %w", id, err)
	}
	if len(out) == 0 {
		return store.RegisteredBranch{}, fmt.Errorf("postgres store: registered branch %q: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// RevokeBranch revokes a branch and its tokens.
func (s *Store) RevokeBranch(ctx context.Context, id string, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := branchState(ctx, tx, id); err != nil && !errors.Is(err, store.ErrRevoked) {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE branch_registry SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`, at.UnixNano(), id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE agent_tokens SET revoked_at = $1 WHERE branch = $2 AND revoked_at = 0`, at.UnixNano(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres store: revoke branch: %w", err)
	}
	return nil
}

// branchState locks a branch's row and returns nil for a live branch, else
// ErrNotFound or ErrRevoked. The lock orders a revocation against a token
// issued at the same time.
func branchState(ctx context.Context, tx pgx.Tx, id string) error {
	var revoked int64
	err := tx.QueryRow(ctx, `SELECT revoked_at FROM branch_registry WHERE id = $1 FOR UPDATE`, id).Scan(&revoked)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("branch %q: %w", id, store.ErrNotFound)
	case err != nil:
		return err
	case revoked != 0:
		return fmt.Errorf("branch %q: %w", id, store.ErrRevoked)
	}
	return nil
}

// IssueToken stores a token, ending the branch's others at overlapEnd.
func (s *Store) IssueToken(ctx context.Context, t store.TokenRecord, overlapEnd time.Time) error {
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return issueToken(ctx, tx, t, overlapEnd) }); err != nil {
		return fmt.Errorf("postgres store: issue token: %w", err)
	}
	return nil
}

func issueToken(ctx context.Context, tx pgx.Tx, t store.TokenRecord, overlapEnd time.Time) error {
	if err := branchState(ctx, tx, t.Branch); err != nil {
		return err
	}
	if !overlapEnd.IsZero() {
		if _, err := tx.Exec(ctx, `UPDATE agent_tokens SET expires_at = $1
			WHERE branch = $2 AND revoked_at = 0 AND (expires_at = 0 OR expires_at > $1)`, overlapEnd.UnixNano(), t.Branch); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO agent_tokens (hash, branch, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.Branch, t.Created.UnixNano(), store.UnixOrZero(t.Expires))
	return err
}

// Tokens returns tokens of one branch or all, live ones only when liveAt is set.
func (s *Store) Tokens(ctx context.Context, branch string, liveAt time.Time) ([]store.TokenRecord, error) {
	q, args := store.TokensQuery(branch, liveAt, "$")
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: tokens: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanTokens(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: tokens: %w", err)
	}
	return out, nil
}

// TokensVersion counts the tokens and the revoked ones
// (store.TokensVersionQuery): one scan, no rows handed out.
func (s *Store) TokensVersion(ctx context.Context) (string, error) {
	var n, revoked int64
	if err := s.pool.QueryRow(ctx, store.TokensVersionQuery).Scan(&n, &revoked); err != nil {
		return "", fmt.Errorf("postgres store: tokens version: %w", err)
	}
	return store.TokensVersionOf(n, revoked), nil
}

// PutEnrollCode stores an enrollment code.
func (s *Store) PutEnrollCode(ctx context.Context, c store.EnrollCode) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := branchState(ctx, tx, c.Branch); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO enroll_codes (hash, branch, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			c.Hash, c.Branch, c.Created.UnixNano(), c.Expires.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres store: put enrollment code: %w", err)
	}
	return nil
}

// RedeemEnrollCode exchanges a code for a token in one transaction; the
// code's row is locked, so two collectors cannot both exchange it.
func (s *Store) RedeemEnrollCode(ctx context.Context, codeHash string, now time.Time, t store.TokenRecord) (string, error) {
	var branch string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var c store.EnrollCode
		var used, expires int64
		err := tx.QueryRow(ctx, `SELECT branch, expires_at, used_at FROM enroll_codes WHERE hash = $1 FOR UPDATE`, codeHash).
			Scan(&c.Branch, &expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("enrollment code: %w", store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		c.Used, c.Expires = store.TimeOrZero(used), store.TimeOrZero(expires)
		if err := c.Redeemable(now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE enroll_codes SET used_at = $1 WHERE hash = $2`, now.UnixNano(), codeHash); err != nil {
			return err
		}
		t.Branch = c.Branch
		branch = c.Branch
		return issueToken(ctx, tx, t, time.Time{})
	})
	if err != nil {
		return "", fmt.Errorf("postgres store: redeem enrollment code: %w", err)
	}
	return branch, nil
}
