package record

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

var branch = &result.Descriptor{Name: "Main Street", Region: "east",
	Calendar: calendar.Spec{Timezone: "America/New_York", Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"},
		Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: 15 * time.Minute},
	Devices: []result.Device{
		{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
		{ID: "lobby", Kind: "manual", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "feedback-book", Kind: "manual"}}},
		{ID: "pc-01", Kind: "banking_pc", Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "login", Kind: "http"}}},
	}}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("America/New_York")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signedRecord makes Tuesday 10 March's record of a branch whose ATM
// passed, whose feedback book Ana confirmed at 08:30, whose PC never
// reported, and whose verdict was revised once.
func signedRecord(t *testing.T) (Record, []byte, ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.PutBranch(ctx, "ny1", branch, store.Contact{At: at(t, "2026-03-10 08:00")}); err != nil {
		t.Fatal(err)
	}
	rs := []result.Result{
		{ID: "a", Branch: "ny1", Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusFail, Reason: "connection refused", StartedAt: at(t, "2026-03-10 08:05")},
		{ID: "b", Branch: "ny1", Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusOK, Reason: "answered in 12ms", StartedAt: at(t, "2026-03-10 08:20")},
		{ID: "c", Branch: "ny1", Device: "lobby", Check: "feedback-book", Kind: "manual", Status: result.StatusOK, Reason: "confirmed by Ana", StartedAt: at(t, "2026-03-10 08:30")},
	}
	if _, _, err := s.WriteResults(ctx, rs, at(t, "2026-03-10 08:31")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutConfirmation(ctx, "ny1", result.Confirmation{Device: "lobby", Check: "feedback-book", Date: "2026-03-10", By: "Ana Lima", At: at(t, "2026-03-10 08:30")}); err != nil {
		t.Fatal(err)
	}
	rev := store.SLARollup{Day: store.SLADay{Branch: "ny1", Region: "east", Date: "2026-03-10", Verdict: "ready_degraded"},
		Revision: &store.SLARevision{Branch: "ny1", Date: "2026-03-10", At: at(t, "2026-03-11 02:00"), VerdictBefore: "not_ready", Verdict: "ready_degraded", Reason: "1 result(s) from the morning received after the deadline"}}
	if err := s.PutSLARollups(ctx, []store.SLARollup{rev}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	m := Maker{Store: s, Key: key, Now: func() time.Time { return at(t, "2026-03-12 09:00") }}
	r, file, err := m.Make(ctx, "ny1", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	return r, file, key
}

func TestRecordSaysWhatStoodAtTheDeadline(t *testing.T) {
	r, _, _ := signedRecord(t)
	if len(r.Items) != 3 {
		t.Fatalf("items %+v, want every checklist item", r.Items)
	}
	atm, book, pc := r.Items[0], r.Items[1], r.Items[2]
	if atm.Status != "ok" || atm.Reason != "answered in 12ms" {
		t.Errorf("the ATM %+v, want its latest result by the deadline", atm)
	}
	if !book.Manual || book.ConfirmedBy != "Ana Lima" || book.ConfirmedAt == nil || !book.ConfirmedAt.Equal(at(t, "2026-03-10 08:30")) {
		t.Errorf("the feedback book %+v, want confirmed by Ana Lima at 08:30", book)
	}
	if pc.Status != "missing" {
		t.Errorf("the PC %+v, want missing", pc)
	}
	if r.Verdict != "ready_degraded" || r.VerdictAtDeadline != "not_ready" || len(r.Revisions) != 1 {
		t.Errorf("verdict %s (at the deadline %s), %d revisions; want ready_degraded, not_ready, 1", r.Verdict, r.VerdictAtDeadline, len(r.Revisions))
	}
}

func TestVerify(t *testing.T) {
	_, file, key := signedRecord(t)
	pub := key.Public().(ed25519.PublicKey)
	other, _, _ := ed25519.GenerateKey(nil)
	t.Run("the record as served is valid, with its own key and with the collector's", func(t *testing.T) {
		if _, err := Verify(file, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(file, pub); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a record checked against another key is refused", func(t *testing.T) {
		if _, err := Verify(file, other); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "not by the given key") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("changing who confirmed an item is caught by the signature", func(t *testing.T) {
		bad := []byte(strings.Replace(string(file), `"confirmed_by": "Ana Lima"`, `"confirmed_by": "Ana Lyma"`, 1))
		if _, err := Verify(bad, nil); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "signature does not match") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("every single changed byte fails verification", func(t *testing.T) {
		for i := range file {
			bad := append([]byte(nil), file...)
			bad[i] ^= 0x01
			if _, err := Verify(bad, pub); !errors.Is(err, ErrTampered) {
				t.Fatalf("byte %d (%q → %q) changed and the record still verifies: %v", i, file[i], bad[i], err)
			}
		}
	})
}

func TestKeysRoundTripThroughPEM(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	kb, _ := EncodePrivateKey(key)
	pb, _ := EncodePublicKey(pub)
	k2, err := ParsePrivateKey(kb)
	if err != nil || !k2.Equal(key) {
		t.Fatalf("private key round trip: %v", err)
	}
	p2, err := ParsePublicKey(pb)
	if err != nil || !p2.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
	if _, err := ParsePrivateKey(pb); err == nil {
		t.Fatal("a public key parsed as a private one")
	}
}

func TestVerifyRefusesBase64WithStrayTrailingBits(t *testing.T) {
	_, file, _ := signedRecord(t)
	r, err := Verify(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The signature is 64 bytes: 88 base64 characters ending "==", whose
	// last data character carries 4 unused bits. Setting one keeps the
	// decoded bytes the same in a lenient decoder.
	v := r.Signature.Value
	last := strings.IndexByte(v, '=') - 1
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, v[last])
	stray := v[:last] + string(alphabet[i|1]) + v[last+1:]
	if stray == v {
		stray = v[:last] + string(alphabet[i&^1]) + v[last+1:]
	}
	bad := []byte(strings.Replace(string(file), v, stray, 1))
	if _, err := Verify(bad, nil); !errors.Is(err, ErrTampered) {
		t.Fatalf("a signature with a stray trailing bit verifies: %v", err)
	}
}
