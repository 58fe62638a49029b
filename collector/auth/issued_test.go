package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// fakeIssuer is a store of issued tokens that counts its reads.
type fakeIssuer struct {
	tokens []Issued
	err    error
	reads  int
	// ver is the tokens' version; versionErr fails reading it.
	ver          int
	versionErr   error
	versionReads int
}

func (f *fakeIssuer) load(context.Context) ([]Issued, error) {
	f.reads++
	return f.tokens, f.err
}

func (f *fakeIssuer) version(context.Context) (string, error) {
	f.versionReads++
	return strconv.Itoa(f.ver), f.versionErr
}

// change changes the tokens as a store would: the version moves.
func (f *fakeIssuer) change(tokens []Issued) {
	f.tokens = tokens
	f.ver++
}

func TestIssuedTokensWithAVersion(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	setup := func() (*fakeIssuer, *IssuedTokens, *time.Time) {
		now := t0
		f := &fakeIssuer{tokens: []Issued{
			{Hash: SumToken("good"), Branch: "br-001"},
			{Hash: SumToken("rotated"), Branch: "br-002", Expires: t0.Add(time.Hour)},
		}}
		return f, NewIssuedTokens(f.load, IssuedOptions{Version: f.version, Now: func() time.Time { return now }}), &now
	}
	ctx := context.Background()
	lookup := func(c *IssuedTokens, tok string) bool { _, ok := c.Lookup(ctx, SumToken(tok)); return ok }
	t.Run("tokens that did not change are read once however long the wave lasts", func(t *testing.T) {
		f, c, now := setup()
		for range 100 { // 100 max ages: eight minutes of ingest
			if !lookup(c, "good") {
				t.Fatal("a good token was refused")
			}
			*now = now.Add(DefaultTokenMaxAge)
		}
		if f.reads != 1 || f.versionReads != 100 {
			t.Fatalf("%d token reads and %d version reads, want 1 and 100", f.reads, f.versionReads)
		}
	})
	t.Run("a token revoked elsewhere stops working within the max age", func(t *testing.T) {
		f, c, now := setup()
		lookup(c, "good")
		f.change(f.tokens[1:])
		*now = now.Add(DefaultTokenMaxAge)
		if lookup(c, "good") {
			t.Fatal("a token revoked in the store is still accepted after the max age")
		}
		if f.reads != 2 {
			t.Fatalf("%d token reads, want 2", f.reads)
		}
	})
	t.Run("a change made here reloads at once even if the version did not move", func(t *testing.T) {
		f, c, _ := setup()
		lookup(c, "good")
		f.tokens = f.tokens[1:]
		c.Changed()
		if lookup(c, "good") {
			t.Fatal("a token revoked through this collector is still accepted")
		}
	})
	t.Run("a token issued elsewhere works within the miss age", func(t *testing.T) {
		f, c, now := setup()
		lookup(c, "good")
		f.change(append(f.tokens, Issued{Hash: SumToken("new"), Branch: "br-003"}))
		*now = now.Add(DefaultTokenMissAge)
		if !lookup(c, "new") {
			t.Fatal("a token issued elsewhere a second ago is refused")
		}
	})
	t.Run("unknown tokens read the version, not the tokens, once per miss age", func(t *testing.T) {
		f, c, now := setup()
		lookup(c, "good")
		f.versionReads = 0
		for range 10 {
			*now = now.Add(DefaultTokenMissAge)
			for range 100 {
				if lookup(c, "guess") {
					t.Fatal("an unknown token was accepted")
				}
			}
		}
		if f.reads != 1 || f.versionReads != 10 {
			t.Fatalf("%d token reads and %d version reads for 1,000 bad tokens over 10 s, want 1 and 10", f.reads, f.versionReads)
		}
	})
	t.Run("a version that cannot be read falls back to reading the tokens", func(t *testing.T) {
		f, c, now := setup()
		lookup(c, "good")
		f.versionErr = errors.New("no such function")
		f.tokens = f.tokens[1:]
		*now = now.Add(DefaultTokenMaxAge)
		if lookup(c, "good") {
			t.Fatal("a token revoked in the store is still accepted while its version cannot be read")
		}
	})
	t.Run("a rotated-out token ends at its expiry though the version never moves", func(t *testing.T) {
		_, c, now := setup()
		if !lookup(c, "rotated") {
			t.Fatal("the rotated token is refused during its overlap")
		}
		*now = t0.Add(time.Hour)
		if lookup(c, "rotated") {
			t.Fatal("the rotated token is accepted after its overlap ended")
		}
	})
}

func TestIssuedTokens(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	setup := func() (*fakeIssuer, *IssuedTokens, *time.Time) {
		now := t0
		f := &fakeIssuer{tokens: []Issued{
			{Hash: SumToken("good"), Branch: "br-001"},
			{Hash: SumToken("rotated"), Branch: "br-002", Expires: t0.Add(time.Hour)},
		}}
		return f, NewIssuedTokens(f.load, IssuedOptions{Now: func() time.Time { return now }}), &now
	}
	ctx := context.Background()
	t.Run("many lookups within a few seconds read the store once", func(t *testing.T) {
		f, c, _ := setup()
		for range 1000 {
			if b, ok := c.Lookup(ctx, SumToken("good")); !ok || b != "br-001" {
				t.Fatalf("Lookup = %q, %v; want br-001", b, ok)
			}
		}
		if f.reads != 1 {
			t.Fatalf("%d store reads, want 1", f.reads)
		}
	})
	t.Run("the cache reloads once it is older than its max age", func(t *testing.T) {
		f, c, now := setup()
		c.Lookup(ctx, SumToken("good"))
		f.tokens = f.tokens[1:] // br-001's token revoked elsewhere
		*now = now.Add(DefaultTokenMaxAge)
		if _, ok := c.Lookup(ctx, SumToken("good")); ok {
			t.Fatal("a token revoked in the store is still accepted after the max age")
		}
	})
	t.Run("a change made here is seen at the next lookup", func(t *testing.T) {
		f, c, _ := setup()
		c.Lookup(ctx, SumToken("good"))
		f.tokens = f.tokens[1:]
		c.Changed()
		if _, ok := c.Lookup(ctx, SumToken("good")); ok {
			t.Fatal("a token revoked through this collector is still accepted")
		}
	})
	t.Run("unknown tokens read the store at most once per miss age", func(t *testing.T) {
		f, c, now := setup()
		for range 100 {
			c.Lookup(ctx, SumToken("guess"))
		}
		if f.reads != 1 {
			t.Fatalf("%d store reads for 100 bad tokens at once, want 1", f.reads)
		}
		f.tokens = append(f.tokens, Issued{Hash: SumToken("new"), Branch: "br-003"})
		*now = now.Add(DefaultTokenMissAge)
		if b, ok := c.Lookup(ctx, SumToken("new")); !ok || b != "br-003" {
			t.Fatalf("a token issued elsewhere a second ago: Lookup = %q, %v; want br-003", b, ok)
		}
	})
	t.Run("a lookup while the first load is under way waits for it instead of refusing the token", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		tokens := []Issued{{Hash: SumToken("good"), Branch: "br-001"}}
		reads := 0
		c := NewIssuedTokens(func(context.Context) ([]Issued, error) {
			reads++
			if reads == 1 {
				close(started)
				<-release // the store is slow just after start
			}
			return tokens, nil
		}, IssuedOptions{Now: func() time.Time { return t0 }})
		first := make(chan bool)
		go func() { _, ok := c.Lookup(ctx, SumToken("good")); first <- ok }()
		<-started
		second := make(chan bool)
		go func() { _, ok := c.Lookup(ctx, SumToken("good")); second <- ok }()
		close(release)
		if !<-first || !<-second {
			t.Fatal("a good token was refused while the tokens were loading")
		}
		if reads != 1 {
			t.Fatalf("%d store reads, want 1: the second lookup should use the load it waited for", reads)
		}
	})
	t.Run("a rotated-out token ends at its expiry even between reloads", func(t *testing.T) {
		_, c, now := setup()
		if _, ok := c.Lookup(ctx, SumToken("rotated")); !ok {
			t.Fatal("the rotated token is refused during its overlap")
		}
		*now = t0.Add(time.Hour)
		if _, ok := c.get(SumToken("rotated"), *now); ok {
			t.Fatal("the rotated token is accepted after its overlap ended")
		}
	})
	t.Run("a store that fails keeps the cached tokens in force", func(t *testing.T) {
		f, c, now := setup()
		c.Lookup(ctx, SumToken("good"))
		f.err = errors.New("connection refused")
		*now = now.Add(time.Minute)
		if _, ok := c.Lookup(ctx, SumToken("good")); !ok {
			t.Fatal("a store outage locked an agent out")
		}
	})
	t.Run("the configuration's tokens and the store's both authorise ingest", func(t *testing.T) {
		_, c, _ := setup()
		tokens, _ := NewTokens(map[string]string{"br-yaml": HashToken("from-yaml")})
		tokens.UseIssued(c)
		tokens.Swap(must(NewTokens(map[string]string{"br-yaml": HashToken("from-yaml")})))
		for tok, want := range map[string]string{"from-yaml": "br-yaml", "good": "br-001"} {
			r := httptest.NewRequest("POST", "/api/v1/results", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if b, err := tokens.Branch(r); err != nil || b != want {
				t.Fatalf("Branch(%s) = %q, %v; want %s", tok, b, err, want)
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
