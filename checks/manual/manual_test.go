package manual

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

func TestManualItemIsPendingUntilConfirmedForToday(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	book := NewFileBook(filepath.Join(t.TempDir(), "confirmations.jsonl"))
	today := "2026-11-24"
	c, _ := New(Config{Instructions: "the feedback book is on the counter"}, checks.Target{Device: "feedback-book", Check: "in-place"}, book,
		func() (string, *time.Location) { return today, loc })
	at := time.Date(2026, 11, 24, 8, 12, 0, 0, loc)
	steps := []struct {
		name    string
		confirm *Confirmation
		day     string
		status  result.Status
		reason  string
	}{
		{"nothing confirmed yet is pending", nil, today, result.StatusUnknown,
			"waiting for a member of staff to confirm: the feedback book is on the counter"},
		{"yesterday's confirmation does not count today", &Confirmation{Device: "feedback-book", Check: "in-place", Date: "2026-11-23", By: "Sam", At: at.AddDate(0, 0, -1)},
			today, result.StatusUnknown, "waiting for a member of staff to confirm: the feedback book is on the counter"},
		{"a reported problem fails the item", &Confirmation{Device: "feedback-book", Check: "in-place", Date: today, By: "Priya Shah", At: at, Problem: "book missing"},
			today, result.StatusFail, "Priya Shah reported a problem at 08:12: book missing"},
		{"a later confirmation wins", &Confirmation{Device: "feedback-book", Check: "in-place", Date: today, By: "Priya Shah", At: at.Add(5 * time.Minute)},
			today, result.StatusOK, "confirmed by Priya Shah at 08:17"},
		{"the next day it is pending again", nil, "2026-11-25", result.StatusUnknown,
			"waiting for a member of staff to confirm: the feedback book is on the counter"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.confirm != nil {
				if err := book.Confirm(*s.confirm); err != nil {
					t.Fatal(err)
				}
			}
			today = s.day
			o := c.Run(context.Background())
			if o.Status != s.status || o.Reason != s.reason {
				t.Errorf("got %s %q, want %s %q", o.Status, o.Reason, s.status, s.reason)
			}
		})
	}
}

func TestATornLastLineAfterAPowerCutIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	book := NewFileBook(path)
	if err := book.Confirm(Confirmation{Device: "d", Check: "c", Date: "2026-11-24", By: "Sam", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"device":"d","check":"c","da`)
	f.Close()
	if _, ok, err := book.Lookup("d", "c", "2026-11-24"); err != nil || !ok {
		t.Fatalf("lookup after a torn write: ok=%v err=%v", ok, err)
	}
	if err := book.Confirm(Confirmation{Device: "d", Check: "c", Date: "2026-11-24"}); err == nil {
		t.Error("a confirmation without a name was accepted")
	}
	if err := book.Confirm(Confirmation{Device: "d", Check: "c", Date: "2026-11-24", By: "Alex", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := book.Lookup("d", "c", "2026-11-24"); c.By != "Alex" {
		t.Errorf("the confirmation after a torn line was lost: last by %q, want Alex", c.By)
	}
}
