package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
)

var _ store.Registry = (*Store)(nil)

// PutRegistered creates or updates branches in one transaction.
func (s *Store) PutRegistered(ctx context.Context, bs []store.RegisteredBranch) (store.PutCounts, error) {
	var c store.PutCounts
	_, err := s.tx(ctx, "register branches", func(ctx context.Context, tx *sql.Tx) (int, error) {
		c = store.PutCounts{} // the writer may run fn again alone
		for _, b := range bs {
			res, err := tx.ExecContext(ctx, `INSERT INTO branch_registry (id, name, region, channel, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, b.ID, b.Name, b.Region, b.Channel, b.Created.UnixNano())
			if err != nil {
				return 0, fmt.Errorf("branch %s: %w", b.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				c.Created++
				continue
			}
			res, err = tx.ExecContext(ctx, `UPDATE branch_registry SET name = ?, region = ?, channel = ?
				WHERE id = ? AND (name, region, channel) IS NOT (?, ?, ?)`, b.Name, b.Region, b.Channel, b.ID, b.Name, b.Region, b.Channel)
			if err != nil {
				return 0, fmt.Errorf("branch %s: %w", b.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				c.Updated++
			} else {
				c.Unchanged++
			}
		}
		return 0, nil
	})
	if err != nil {
		return store.PutCounts{}, err
	}
	return c, nil
}

const registryColumns = "id, name, region, channel, created_at, revoked_at"

// RegisteredBranches returns every registered branch, ordered by id.
func (s *Store) RegisteredBranches(ctx context.Context) ([]store.RegisteredBranch, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+registryColumns+" FROM branch_registry ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: registered branches: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanRegistered(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: registered branches: %w", err)
	}
	return out, nil
}

// RegisteredBranch returns one registered branch or ErrNotFound.
func (s *Store) RegisteredBranch(ctx context.Context, id string) (store.RegisteredBranch, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+registryColumns+" FROM branch_registry WHERE id = ?", id)
	if err != nil {
		return store.RegisteredBranch{}, fmt.Errorf("sqlite store: registered branch %q: %w", id, err)
	}
	defer rows.Close()
	out, err := store.ScanRegistered(rows)
	if err != nil {
		return store.RegisteredBranch{}, fmt.Errorf("sqlite store: registered branch %q: %w", id, err)
	}
	if len(out) == 0 {
		return store.RegisteredBranch{}, fmt.Errorf("sqlite store: registered branch %q: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// RevokeBranch revokes a branch and its tokens.
func (s *Store) RevokeBranch(ctx context.Context, id string, at time.Time) error {
	_, err := s.tx(ctx, "revoke branch", func(ctx context.Context, tx *sql.Tx) (int, error) {
		if err := branchState(ctx, tx, id); err != nil && !errors.Is(err, store.ErrRevoked) {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE branch_registry SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, at.UnixNano(), id); err != nil {
			return 0, err
		}
		_, err := tx.ExecContext(ctx, `UPDATE agent_tokens SET revoked_at = ? WHERE branch = ? AND revoked_at = 0`, at.UnixNano(), id)
		return 0, err
	})
	return err
}

// branchState returns nil for a live branch, else ErrNotFound or ErrRevoked.
func branchState(ctx context.Context, tx *sql.Tx, id string) error {
	var revoked int64
	err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM branch_registry WHERE id = ?`, id).Scan(&revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
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
	_, err := s.tx(ctx, "issue token", func(ctx context.Context, tx *sql.Tx) (int, error) {
		return 0, issueToken(ctx, tx, t, overlapEnd)
	})
	return err
}

func issueToken(ctx context.Context, tx *sql.Tx, t store.TokenRecord, overlapEnd time.Time) error {
	if err := branchState(ctx, tx, t.Branch); err != nil {
		return err
	}
	if !overlapEnd.IsZero() {
		end := overlapEnd.UnixNano()
		if _, err := tx.ExecContext(ctx, `UPDATE agent_tokens SET expires_at = ?
			WHERE branch = ? AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?)`, end, t.Branch, end); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO agent_tokens (hash, branch, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.Branch, t.Created.UnixNano(), store.UnixOrZero(t.Expires))
	return err
}

// Tokens returns tokens of one branch or all, live ones only when liveAt is set.
func (s *Store) Tokens(ctx context.Context, branch string, liveAt time.Time) ([]store.TokenRecord, error) {
	q, args := store.TokensQuery(branch, liveAt, "?")
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: tokens: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanTokens(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: tokens: %w", err)
	}
	return out, nil
}

// TokensVersion counts the tokens and the revoked ones
// (store.TokensVersionQuery): one scan, no rows handed out.
func (s *Store) TokensVersion(ctx context.Context) (string, error) {
	var n, revoked int64
	if err := s.rdb.QueryRowContext(ctx, store.TokensVersionQuery).Scan(&n, &revoked); err != nil {
		return "", fmt.Errorf("sqlite store: tokens version: %w", err)
	}
	return store.TokensVersionOf(n, revoked), nil
}

// PutEnrollCode stores an enrollment code.
func (s *Store) PutEnrollCode(ctx context.Context, c store.EnrollCode) error {
	_, err := s.tx(ctx, "put enrollment code", func(ctx context.Context, tx *sql.Tx) (int, error) {
		if err := branchState(ctx, tx, c.Branch); err != nil {
			return 0, err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO enroll_codes (hash, branch, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			c.Hash, c.Branch, c.Created.UnixNano(), c.Expires.UnixNano())
		return 0, err
	})
	return err
}

// RedeemEnrollCode exchanges a code for a token in one transaction. A code
// that cannot be exchanged is no error of the transaction (it would make
// the writer retry its neighbours): fn reports it through refused.
func (s *Store) RedeemEnrollCode(ctx context.Context, codeHash string, now time.Time, t store.TokenRecord) (string, error) {
	var branch string
	var refused error
	_, err := s.tx(ctx, "redeem enrollment code", func(ctx context.Context, tx *sql.Tx) (int, error) {
		branch, refused = "", nil
		var c store.EnrollCode
		var used, expires int64
		err := tx.QueryRowContext(ctx, `SELECT branch, expires_at, used_at FROM enroll_codes WHERE hash = ?`, codeHash).
			Scan(&c.Branch, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			refused = fmt.Errorf("enrollment code: %w", store.ErrNotFound)
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		c.Used, c.Expires = store.TimeOrZero(used), store.TimeOrZero(expires)
		if refused = c.Redeemable(now); refused != nil {
			return 0, nil
		}
		if refused = branchState(ctx, tx, c.Branch); refused != nil {
			return 0, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enroll_codes SET used_at = ? WHERE hash = ?`, now.UnixNano(), codeHash); err != nil {
			return 0, err
		}
		t.Branch = c.Branch
		branch = c.Branch
		return 0, issueToken(ctx, tx, t, time.Time{})
	})
	if err != nil {
		return "", err
	}
	if refused != nil {
		return "", fmt.Errorf("sqlite store: %w", refused)
	}
	return branch, nil
}
