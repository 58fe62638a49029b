package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors of the branch registry that callers tell apart.
var (
	// ErrRevoked: the branch was revoked; it gets no new token or code.
	ErrRevoked = errors.New("branch is revoked")
	// ErrCodeUsed: the enrollment code was already exchanged.
	ErrCodeUsed = errors.New("enrollment code was already used")
	// ErrCodeExpired: the enrollment code is past its end.
	ErrCodeExpired = errors.New("enrollment code has expired")
)

// RegisteredBranch is a branch in the registry: who it is, as the bank
// knows it, whether or not its agent has reported yet.
type RegisteredBranch struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Region  string    `json:"region"`
	Channel string    `json:"channel"`
	Created time.Time `json:"created"`
	// Revoked is when the branch was revoked (zero: it is not).
	Revoked time.Time `json:"revoked,omitzero"`
}

// TokenRecord is one agent token of a branch, kept as the hex SHA-256 of
// the token: the token itself is shown once and never stored.
type TokenRecord struct {
	Hash    string    `json:"-"`
	Branch  string    `json:"branch"`
	Created time.Time `json:"created"`
	// Expires ends a token that was rotated out (zero: no end).
	Expires time.Time `json:"expires,omitzero"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// LiveAt reports whether t is accepted at now.
func (t TokenRecord) LiveAt(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// EnrollCode is a one-time code an agent exchanges for a token, kept as
// the hex SHA-256 of the code.
type EnrollCode struct {
	Hash    string
	Branch  string
	Created time.Time
	Expires time.Time
	// Used is when it was exchanged (zero: not yet).
	Used time.Time
}

// PutCounts says what PutRegistered did.
type PutCounts struct{ Created, Updated, Unchanged int }

// Registry keeps the branches the collector knows by name and their agents'
// tokens and enrollment codes. Both stores implement it; storetest holds
// them to it.
type Registry interface {
	// PutRegistered creates branches not yet registered and updates the
	// name, region and channel of the others; it never changes Created or
	// Revoked, so importing the same file twice changes nothing.
	PutRegistered(ctx context.Context, bs []RegisteredBranch) (PutCounts, error)
	// RegisteredBranches returns every registered branch, ordered by id.
	RegisteredBranches(ctx context.Context) ([]RegisteredBranch, error)
	// RegisteredBranch returns one branch or ErrNotFound.
	RegisteredBranch(ctx context.Context, id string) (RegisteredBranch, error)
	// RevokeBranch marks a branch and every token of it revoked at at
	// (ErrNotFound for an unknown one). Revoking twice keeps the first time.
	RevokeBranch(ctx context.Context, id string, at time.Time) error
	// IssueToken stores a new token. When overlapEnd is not zero, the
	// branch's other live tokens end then (or sooner, if they already
	// would): a rotation. ErrNotFound or ErrRevoked for the branch.
	IssueToken(ctx context.Context, t TokenRecord, overlapEnd time.Time) error
	// Tokens returns the tokens of branch (every branch when empty); when
	// liveAt is not zero only those accepted then, of branches not revoked.
	Tokens(ctx context.Context, branch string, liveAt time.Time) ([]TokenRecord, error)
	// PutEnrollCode stores an enrollment code (ErrNotFound or ErrRevoked
	// for the branch).
	PutEnrollCode(ctx context.Context, c EnrollCode) error
	// RedeemEnrollCode marks the code with hash codeHash used at now and
	// stores t as a token of the code's branch, in one transaction, and
	// returns the branch. ErrNotFound, ErrCodeUsed, ErrCodeExpired or
	// ErrRevoked say why not; then nothing changes.
	RedeemEnrollCode(ctx context.Context, codeHash string, now time.Time, t TokenRecord) (string, error)
}

// TokenVersioner is a Registry that tells cheaply whether its tokens
// changed, so that a collector's token cache (auth.IssuedOptions.Version)
// need not read every token of a large bank every few seconds.
type TokenVersioner interface {
	// TokensVersion returns a value that changes whenever a token is
	// issued (rotations and enrollments included) or revoked, or a branch
	// with live tokens is revoked.
	TokensVersion(ctx context.Context) (string, error)
}

// TokensVersionQuery selects the count of tokens and of revoked tokens.
// Tokens are never deleted; issuing one adds a row (a rotation shortens
// the others' expiry in the same transaction), revoking one or its branch
// sets revoked_at where it was 0: either moves one of the two counts.
// Expiry needs no version: the cache holds each token's end.
const TokensVersionQuery = `SELECT count(*), count(NULLIF(revoked_at, 0)) FROM agent_tokens`

// TokensVersionOf words the two counts of TokensVersionQuery as a version.
func TokensVersionOf(tokens, revoked int64) string {
	return strconv.FormatInt(tokens, 10) + "/" + strconv.FormatInt(revoked, 10)
}

// UnixOrZero keeps a zero time as 0 in a column (unix nanoseconds).
func UnixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// TimeOrZero is UnixOrZero's inverse, in UTC.
func TimeOrZero(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// Redeemable says why a code cannot be exchanged at now, or nil.
func (c EnrollCode) Redeemable(now time.Time) error {
	switch {
	case !c.Used.IsZero():
		return ErrCodeUsed
	case !now.Before(c.Expires):
		return ErrCodeExpired
	}
	return nil
}

// ScanRegistered reads rows of registry columns (id, name, region, channel,
// created_at, revoked_at), as both stores select them.
func ScanRegistered(rows Rows) ([]RegisteredBranch, error) {
	out := []RegisteredBranch{}
	for rows.Next() {
		var b RegisteredBranch
		var created, revoked int64
		if err := rows.Scan(&b.ID, &b.Name, &b.Region, &b.Channel, &created, &revoked); err != nil {
			return nil, err
		}
		b.Created, b.Revoked = TimeOrZero(created), TimeOrZero(revoked)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ScanTokens reads rows of (hash, branch, created_at, expires_at, revoked_at).
func ScanTokens(rows Rows) ([]TokenRecord, error) {
	out := []TokenRecord{}
	for rows.Next() {
		var t TokenRecord
		var created, expires, revoked int64
		if err := rows.Scan(&t.Hash, &t.Branch, &created, &expires, &revoked); err != nil {
			return nil, err
		}
		t.Created, t.Expires, t.Revoked = TimeOrZero(created), TimeOrZero(expires), TimeOrZero(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TokensQuery builds the query of Registry.Tokens; param is the first
// placeholder's form: "?" (SQLite) or "$" (PostgreSQL, numbered).
func TokensQuery(branch string, liveAt time.Time, param string) (string, []any) {
	var args []any
	next := func(v any) string {
		args = append(args, v)
		if param == "$" {
			return "$" + strconv.Itoa(len(args))
		}
		return "?"
	}
	q := `SELECT t.hash, t.branch, t.created_at, t.expires_at, t.revoked_at FROM agent_tokens t`
	var where []string
	if !liveAt.IsZero() {
		q += ` JOIN branch_registry b ON b.id = t.branch`
		where = append(where, "b.revoked_at = 0", "t.revoked_at = 0", "(t.expires_at = 0 OR t.expires_at > "+next(liveAt.UnixNano())+")")
	}
	if branch != "" {
		where = append(where, "t.branch = "+next(branch))
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + " ORDER BY t.branch, t.created_at", args
}
