package branches

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// Defaults of rotation and enrollment.
const (
	// DefaultOverlap keeps a rotated-out token valid for a week, long
	// enough for an agent that was off over a holiday to pick up its new one.
	DefaultOverlap = 7 * 24 * time.Hour
	// DefaultCodeTTL is how long an enrollment code can be used.
	DefaultCodeTTL = 15 * time.Minute
	// importBatch is how many branches one transaction of an import writes.
	importBatch = 500
)

// ErrExists is returned by Add for a branch already registered.
var ErrExists = errors.New("branch is already registered")

// Service is the branch registry's operations, over a store.
type Service struct {
	Store store.Registry
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Changed, when set, is called after a token is issued or revoked, so
	// that this collector's token cache reloads at once.
	Changed func()
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

// Import registers rows in batches, calling progress after each with the
// rows done so far. Importing the same rows again changes nothing.
func (s *Service) Import(ctx context.Context, rows []Row, progress func(done int, c store.PutCounts)) (store.PutCounts, error) {
	var total store.PutCounts
	now := s.now()
	for i := 0; i < len(rows); i += importBatch {
		batch := rows[i:min(i+importBatch, len(rows))]
		bs := make([]store.RegisteredBranch, len(batch))
		for j, r := range batch {
			bs[j] = store.RegisteredBranch{ID: r.ID, Name: r.Name, Region: r.Region, Channel: r.Channel, Created: now}
		}
		c, err := s.Store.PutRegistered(ctx, bs)
		if err != nil {
			return total, fmt.Errorf("import branches %d-%d: %w", i+1, i+len(batch), err)
		}
		total.Created += c.Created
		total.Updated += c.Updated
		total.Unchanged += c.Unchanged
		if progress != nil {
			progress(i+len(batch), total)
		}
	}
	return total, nil
}

// Credentials are what Add, Rotate and NewCode hand out: shown once.
type Credentials struct {
	Branch string `json:"branch"`
	// Token is the branch's new agent token (empty when a code was asked for).
	Token string `json:"token,omitempty"`
	// Code is a one-time enrollment code, valid until CodeExpires.
	Code        string    `json:"code,omitempty"`
	CodeExpires time.Time `json:"code_expires,omitzero"`
	// OldTokensEnd is when the tokens a rotation replaced stop working.
	OldTokensEnd time.Time `json:"old_tokens_end,omitzero"`
}

// Add registers one new branch and issues either a token or, when codeTTL
// is not zero, an enrollment code valid that long.
func (s *Service) Add(ctx context.Context, r Row, codeTTL time.Duration) (Credentials, error) {
	if err := r.Validate(); err != nil {
		return Credentials{}, err
	}
	if _, err := s.Store.RegisteredBranch(ctx, r.ID); err == nil {
		return Credentials{}, fmt.Errorf("branch %s: %w", r.ID, ErrExists)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Credentials{}, err
	}
	if _, err := s.Import(ctx, []Row{r}, nil); err != nil {
		return Credentials{}, err
	}
	if codeTTL > 0 {
		return s.NewCode(ctx, r.ID, codeTTL)
	}
	return s.issue(ctx, r.ID, time.Time{})
}

// Rotate issues a new token for a branch; its other tokens stay valid for
// overlap (a negative or zero overlap ends them at once).
func (s *Service) Rotate(ctx context.Context, id string, overlap time.Duration) (Credentials, error) {
	return s.issue(ctx, id, s.now().Add(max(overlap, 0)))
}

// Issue gives a branch one more token, leaving its others as they are: a
// first token for a branch imported from a file.
func (s *Service) Issue(ctx context.Context, id string) (Credentials, error) {
	return s.issue(ctx, id, time.Time{})
}

// issue stores a new token; others end at end unless it is zero.
func (s *Service) issue(ctx context.Context, id string, end time.Time) (Credentials, error) {
	tok, now := auth.NewToken(), s.now()
	if err := s.Store.IssueToken(ctx, store.TokenRecord{Hash: auth.HashToken(tok), Branch: id, Created: now}, end); err != nil {
		return Credentials{}, fmt.Errorf("issue a token for %s: %w", id, err)
	}
	s.changed()
	return Credentials{Branch: id, Token: tok, OldTokensEnd: end}, nil
}

// Revoke revokes a branch: its agent's tokens stop working at once.
func (s *Service) Revoke(ctx context.Context, id string) error {
	if err := s.Store.RevokeBranch(ctx, id, s.now()); err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	s.changed()
	return nil
}

// NewCode makes a one-time enrollment code for a branch, valid for ttl.
func (s *Service) NewCode(ctx context.Context, id string, ttl time.Duration) (Credentials, error) {
	code, now := newCode(), s.now()
	c := store.EnrollCode{Hash: auth.HashToken(NormalizeCode(code)), Branch: id, Created: now, Expires: now.Add(ttl)}
	if err := s.Store.PutEnrollCode(ctx, c); err != nil {
		return Credentials{}, fmt.Errorf("make an enrollment code for %s: %w", id, err)
	}
	return Credentials{Branch: id, Code: code, CodeExpires: c.Expires}, nil
}

// Enroll exchanges a code for a new token of its branch. The errors wrap
// store.ErrNotFound, ErrCodeUsed, ErrCodeExpired or ErrRevoked.
func (s *Service) Enroll(ctx context.Context, code string) (Credentials, error) {
	tok, now := auth.NewToken(), s.now()
	branch, err := s.Store.RedeemEnrollCode(ctx, auth.HashToken(NormalizeCode(code)), now,
		store.TokenRecord{Hash: auth.HashToken(tok), Created: now})
	if err != nil {
		return Credentials{}, err
	}
	s.changed()
	return Credentials{Branch: branch, Token: tok}, nil
}

// newCode returns 60 random bits as 12 base32 letters and digits in groups
// of four (ABCD-EFGH-JKLM): easy to read out on the phone, and with a
// quarter of an hour's life, single use and rate-limited attempts, far
// beyond guessing.
func newCode() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:12]
	return s[:4] + "-" + s[4:8] + "-" + s[8:]
}

// NormalizeCode makes a typed code comparable: upper case, without the
// dashes and spaces people add or leave out.
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// Version returns the token cache's cheap check for changes
// (auth.IssuedOptions.Version), or nil when st cannot tell.
func Version(st store.Registry) func(ctx context.Context) (string, error) {
	if v, ok := st.(store.TokenVersioner); ok {
		return v.TokensVersion
	}
	return nil
}

// Loader returns what the token cache loads: the live tokens of st.
func Loader(st store.Registry, now func() time.Time) func(ctx context.Context) ([]auth.Issued, error) {
	return func(ctx context.Context) ([]auth.Issued, error) {
		ts, err := st.Tokens(ctx, "", now())
		if err != nil {
			return nil, err
		}
		out := make([]auth.Issued, 0, len(ts))
		for _, t := range ts {
			b, err := hex.DecodeString(t.Hash)
			if err != nil || len(b) != 32 {
				continue // not a token hash: nothing can match it
			}
			out = append(out, auth.Issued{Hash: [32]byte(b), Branch: t.Branch, Expires: t.Expires})
		}
		return out, nil
	}
}
