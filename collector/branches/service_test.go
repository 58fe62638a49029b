package branches

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// newService returns a Service on a fresh SQLite store with a clock the
// test moves.
func newService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	return &Service{Store: st, Now: func() time.Time { return now }}, &now
}

// accepted reports whether token is live for branch at the service's now.
func accepted(t *testing.T, s *Service, token string) (string, bool) {
	t.Helper()
	issued, err := Loader(s.Store, s.Now)(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range issued {
		if i.Hash == sum(token) && (i.Expires.IsZero() || s.Now().Before(i.Expires)) {
			return i.Branch, true
		}
	}
	return "", false
}

func TestService(t *testing.T) {
	ctx := context.Background()
	main := Row{ID: "br-001", Name: "Main Street", Region: "north", Channel: "retail"}
	t.Run("an added branch's token is accepted and adding it again is refused", func(t *testing.T) {
		s, _ := newService(t)
		c, err := s.Add(ctx, main, 0)
		if err != nil || c.Token == "" {
			t.Fatalf("Add = %+v, %v", c, err)
		}
		if b, ok := accepted(t, s, c.Token); !ok || b != "br-001" {
			t.Fatalf("token accepted for %q, %v; want br-001", b, ok)
		}
		if _, err := s.Add(ctx, main, 0); !errors.Is(err, ErrExists) {
			t.Fatalf("Add again = %v, want ErrExists", err)
		}
	})
	t.Run("a rotated token keeps working until the overlap ends", func(t *testing.T) {
		s, now := newService(t)
		old, _ := s.Add(ctx, main, 0)
		fresh, err := s.Rotate(ctx, "br-001", DefaultOverlap)
		if err != nil {
			t.Fatal(err)
		}
		*now = now.Add(DefaultOverlap - time.Minute)
		if _, ok := accepted(t, s, old.Token); !ok {
			t.Fatal("the old token is refused during the overlap")
		}
		if st, _ := s.One(ctx, "br-001"); st.TokenState() != "rotating" || st.LiveTokens != 2 {
			t.Fatalf("status during the overlap: %s with %d live tokens, want rotating with 2", st.TokenState(), st.LiveTokens)
		}
		*now = now.Add(time.Minute)
		if _, ok := accepted(t, s, old.Token); ok {
			t.Fatal("the old token is accepted after the overlap")
		}
		if _, ok := accepted(t, s, fresh.Token); !ok {
			t.Fatal("the new token is refused")
		}
	})
	t.Run("a revoked branch's tokens stop at once", func(t *testing.T) {
		s, _ := newService(t)
		c, _ := s.Add(ctx, main, 0)
		if err := s.Revoke(ctx, "br-001"); err != nil {
			t.Fatal(err)
		}
		if _, ok := accepted(t, s, c.Token); ok {
			t.Fatal("a revoked branch's token is accepted")
		}
		if st, _ := s.One(ctx, "br-001"); st.TokenState() != "revoked" {
			t.Fatalf("state %s, want revoked", st.TokenState())
		}
	})
	t.Run("an enrollment code gives a working token once, and not after it expires", func(t *testing.T) {
		s, now := newService(t)
		c, err := s.Add(ctx, main, DefaultCodeTTL)
		if err != nil || c.Code == "" || c.Token != "" {
			t.Fatalf("Add with a code = %+v, %v; want a code and no token", c, err)
		}
		if st, _ := s.One(ctx, "br-001"); st.TokenState() != "no_token" {
			t.Fatalf("before enrollment: %s, want no_token", st.TokenState())
		}
		got, err := s.Enroll(ctx, " "+lower(c.Code)+" ")
		if err != nil || got.Branch != "br-001" {
			t.Fatalf("Enroll = %+v, %v", got, err)
		}
		if _, ok := accepted(t, s, got.Token); !ok {
			t.Fatal("the enrolled token is refused")
		}
		if _, err := s.Enroll(ctx, c.Code); !errors.Is(err, store.ErrCodeUsed) {
			t.Fatalf("Enroll again = %v, want ErrCodeUsed", err)
		}
		late, _ := s.NewCode(ctx, "br-001", DefaultCodeTTL)
		*now = now.Add(DefaultCodeTTL)
		if _, err := s.Enroll(ctx, late.Code); !errors.Is(err, store.ErrCodeExpired) {
			t.Fatalf("Enroll after the code's end = %v, want ErrCodeExpired", err)
		}
	})
	t.Run("an import reports progress and a second import changes nothing", func(t *testing.T) {
		s, _ := newService(t)
		rows := make([]Row, 1200)
		for i := range rows {
			rows[i] = Row{ID: "br-" + string(rune('a'+i%26)) + itoa(i), Name: "Branch", Region: "r", Channel: "c"}
		}
		var calls []int
		c, err := s.Import(ctx, rows, func(done int, _ store.PutCounts) { calls = append(calls, done) })
		if err != nil || c.Created != 1200 || len(calls) != 3 || calls[2] != 1200 {
			t.Fatalf("Import = %+v, %v, progress %v; want 1200 created in 3 steps", c, err, calls)
		}
		if c, _ := s.Import(ctx, rows, nil); c.Unchanged != 1200 {
			t.Fatalf("second Import = %+v, want 1200 unchanged", c)
		}
	})
}

func TestWithLiveTokensCountsEachBranchWithATokenOnce(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	count := func() int {
		t.Helper()
		n, err := WithLiveTokens(ctx, s.Store, *now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, id := range []string{"br-001", "br-002", "br-003"} {
		if _, err := s.Add(ctx, Row{ID: id, Name: "Branch", Region: "r", Channel: "c"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Add(ctx, Row{ID: "br-004", Name: "Awaiting enrollment", Region: "r", Channel: "c"}, DefaultCodeTTL); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("%d branches with tokens, want 3 (br-004 has only a code)", n)
	}
	if _, err := s.Rotate(ctx, "br-001", DefaultOverlap); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, "br-002"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d branches with tokens, want 2 (br-001 rotating counts once, br-002 is revoked)", n)
	}
}
