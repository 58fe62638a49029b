package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// registry returns s as a store.Registry or fails the test.
func registry(t *testing.T, open Opener) store.Registry {
	t.Helper()
	r, ok := opened(t, open).(store.Registry)
	if !ok {
		t.Fatal("the store does not keep a branch registry (store.Registry)")
	}
	return r
}

func register(t *testing.T, r store.Registry, bs ...store.RegisteredBranch) store.PutCounts {
	t.Helper()
	c, err := r.PutRegistered(context.Background(), bs)
	if err != nil {
		t.Fatalf("PutRegistered: %v", err)
	}
	return c
}

func testRegistryImportIsIdempotent(t *testing.T, open Opener) {
	r := registry(t, open)
	a := store.RegisteredBranch{ID: "br-001", Name: "Main Street", Region: "north", Channel: "retail", Created: base}
	b := store.RegisteredBranch{ID: "br-002", Name: "Harbour", Region: "south", Channel: "private", Created: base}
	if c := register(t, r, a, b); c != (store.PutCounts{Created: 2}) {
		t.Fatalf("first import: %+v, want 2 created", c)
	}
	a2, b2 := a, b
	a2.Created, b2.Created = base.Add(time.Hour), base.Add(time.Hour)
	b2.Name = "Harbour Square"
	if c := register(t, r, a2, b2); c != (store.PutCounts{Updated: 1, Unchanged: 1}) {
		t.Fatalf("second import: %+v, want 1 updated and 1 unchanged", c)
	}
	all, err := r.RegisteredBranches(context.Background())
	if err != nil || len(all) != 2 {
		t.Fatalf("RegisteredBranches = %v, %v; want 2 branches", all, err)
	}
	if all[1].Name != "Harbour Square" || !all[1].Created.Equal(base) || !all[1].Revoked.IsZero() {
		t.Fatalf("br-002 = %+v; want the new name, the first created time, not revoked", all[1])
	}
	if _, err := r.RegisteredBranch(context.Background(), "br-404"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RegisteredBranch(unknown) = %v, want ErrNotFound", err)
	}
}

func testRegistryRotationOverlaps(t *testing.T, open Opener) {
	r := registry(t, open)
	ctx := context.Background()
	register(t, r, store.RegisteredBranch{ID: "br-001", Name: "Main", Created: base})
	if err := r.IssueToken(ctx, store.TokenRecord{Hash: "old", Branch: "br-001", Created: base}, time.Time{}); err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	end := base.Add(7 * 24 * time.Hour)
	if err := r.IssueToken(ctx, store.TokenRecord{Hash: "new", Branch: "br-001", Created: base.Add(time.Hour)}, end); err != nil {
		t.Fatalf("IssueToken (rotation): %v", err)
	}
	live := func(at time.Time) []string {
		ts, err := r.Tokens(ctx, "", at)
		if err != nil {
			t.Fatalf("Tokens: %v", err)
		}
		var hs []string
		for _, tok := range ts {
			hs = append(hs, tok.Hash)
		}
		return hs
	}
	if got := live(end.Add(-time.Second)); len(got) != 2 {
		t.Fatalf("live during the overlap: %v, want old and new", got)
	}
	if got := live(end); len(got) != 1 || got[0] != "new" {
		t.Fatalf("live after the overlap: %v, want only new", got)
	}
	all, err := r.Tokens(ctx, "br-001", time.Time{})
	if err != nil || len(all) != 2 || !all[0].Expires.Equal(end) || !all[1].Expires.IsZero() {
		t.Fatalf("Tokens(br-001) = %+v, %v; want old ending at %v and new without end", all, err, end)
	}
	if err := r.IssueToken(ctx, store.TokenRecord{Hash: "x", Branch: "br-404", Created: base}, time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("IssueToken(unknown branch) = %v, want ErrNotFound", err)
	}
}

func testRegistryRevocation(t *testing.T, open Opener) {
	r := registry(t, open)
	ctx := context.Background()
	register(t, r, store.RegisteredBranch{ID: "br-001", Created: base}, store.RegisteredBranch{ID: "br-002", Created: base})
	for _, tok := range []store.TokenRecord{{Hash: "a", Branch: "br-001", Created: base}, {Hash: "b", Branch: "br-002", Created: base}} {
		if err := r.IssueToken(ctx, tok, time.Time{}); err != nil {
			t.Fatalf("IssueToken: %v", err)
		}
	}
	if err := r.RevokeBranch(ctx, "br-001", base.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeBranch: %v", err)
	}
	if err := r.RevokeBranch(ctx, "br-001", base.Add(2*time.Hour)); err != nil {
		t.Fatalf("RevokeBranch again: %v", err)
	}
	if ts, err := r.Tokens(ctx, "", base.Add(3*time.Hour)); err != nil || len(ts) != 1 || ts[0].Branch != "br-002" {
		t.Fatalf("live tokens = %+v, %v; want br-002's only", ts, err)
	}
	b, _ := r.RegisteredBranch(ctx, "br-001")
	if !b.Revoked.Equal(base.Add(time.Hour)) {
		t.Fatalf("revoked at %v, want the first revocation's time %v", b.Revoked, base.Add(time.Hour))
	}
	if err := r.IssueToken(ctx, store.TokenRecord{Hash: "c", Branch: "br-001", Created: base}, time.Time{}); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("IssueToken(revoked branch) = %v, want ErrRevoked", err)
	}
	if err := r.PutEnrollCode(ctx, store.EnrollCode{Hash: "c", Branch: "br-001", Created: base, Expires: base.Add(time.Hour)}); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("PutEnrollCode(revoked branch) = %v, want ErrRevoked", err)
	}
	if err := r.RevokeBranch(ctx, "br-404", base); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeBranch(unknown) = %v, want ErrNotFound", err)
	}
}

func testRegistryEnrollCodes(t *testing.T, open Opener) {
	r := registry(t, open)
	ctx := context.Background()
	register(t, r, store.RegisteredBranch{ID: "br-001", Created: base})
	for _, c := range []store.EnrollCode{
		{Hash: "code-1", Branch: "br-001", Created: base, Expires: base.Add(15 * time.Minute)},
		{Hash: "code-2", Branch: "br-001", Created: base, Expires: base.Add(15 * time.Minute)},
	} {
		if err := r.PutEnrollCode(ctx, c); err != nil {
			t.Fatalf("PutEnrollCode: %v", err)
		}
	}
	tok := store.TokenRecord{Hash: "tok-1", Created: base.Add(time.Minute)}
	branch, err := r.RedeemEnrollCode(ctx, "code-1", base.Add(time.Minute), tok)
	if err != nil || branch != "br-001" {
		t.Fatalf("RedeemEnrollCode = %q, %v; want br-001", branch, err)
	}
	if ts, _ := r.Tokens(ctx, "br-001", base.Add(time.Minute)); len(ts) != 1 || ts[0].Hash != "tok-1" {
		t.Fatalf("live tokens after enrollment = %+v, want tok-1", ts)
	}
	for _, c := range []struct {
		name, hash string
		at         time.Time
		want       error
	}{
		{"a used code", "code-1", base.Add(2 * time.Minute), store.ErrCodeUsed},
		{"an expired code", "code-2", base.Add(15 * time.Minute), store.ErrCodeExpired},
		{"an unknown code", "code-9", base, store.ErrNotFound},
	} {
		t.Run(c.name+" is refused and issues nothing", func(t *testing.T) {
			_, err := r.RedeemEnrollCode(ctx, c.hash, c.at, store.TokenRecord{Hash: "tok-" + c.hash, Created: c.at})
			if !errors.Is(err, c.want) {
				t.Fatalf("RedeemEnrollCode = %v, want %v", err, c.want)
			}
			if ts, _ := r.Tokens(ctx, "br-001", time.Time{}); len(ts) != 1 {
				t.Fatalf("tokens = %+v, want tok-1 alone", ts)
			}
		})
	}
}

func testRegistryTokensVersion(t *testing.T, open Opener) {
	r := registry(t, open)
	v, ok := r.(store.TokenVersioner)
	if !ok {
		t.Fatalf("%T has no TokensVersion: the token cache would re-read every token every 5 s", r)
	}
	ctx := context.Background()
	seen := map[string]string{}
	step := func(what string, change func() error) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		ver, err := v.TokensVersion(ctx)
		if err != nil {
			t.Fatalf("TokensVersion after %s: %v", what, err)
		}
		if before, dup := seen[ver]; dup {
			t.Fatalf("after %s the tokens' version is %q, as it was after %s", what, ver, before)
		}
		seen[ver] = what
	}
	step("nothing", func() error { return nil })
	register(t, r, store.RegisteredBranch{ID: "br-001", Name: "Main", Created: base}, store.RegisteredBranch{ID: "br-002", Name: "Dock", Created: base})
	step("issuing a token", func() error {
		return r.IssueToken(ctx, store.TokenRecord{Hash: "one", Branch: "br-001", Created: base}, time.Time{})
	})
	step("rotating it", func() error {
		return r.IssueToken(ctx, store.TokenRecord{Hash: "two", Branch: "br-001", Created: base.Add(time.Hour)}, base.Add(2*time.Hour))
	})
	step("issuing one to another branch", func() error {
		return r.IssueToken(ctx, store.TokenRecord{Hash: "three", Branch: "br-002", Created: base}, time.Time{})
	})
	step("revoking a branch", func() error { return r.RevokeBranch(ctx, "br-002", base.Add(3*time.Hour)) })
	step("enrolling", func() error {
		if err := r.PutEnrollCode(ctx, store.EnrollCode{Hash: "code", Branch: "br-001", Created: base, Expires: base.Add(time.Hour)}); err != nil {
			return err
		}
		_, err := r.RedeemEnrollCode(ctx, "code", base.Add(time.Minute), store.TokenRecord{Hash: "four", Branch: "br-001", Created: base.Add(time.Minute)})
		return err
	})
}
