package board

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/readiness"
)

func TestABranchPagesPicturesStartedForOneDateAreDrawnAgainWhenItsJudgementShowsAnother(t *testing.T) {
	at := london("08:30")
	_, st := board(t, at)
	e := &readiness.Engine{Store: st, Now: func() time.Time { return at }}
	h := &branchPageHandler{e: e, st: st, now: func() time.Time { return at }, log: slog.New(slog.NewTextHandler(io.Discard, nil)), days: &dayCache{}}
	tests := []struct {
		name, asked, shown, wantLast string
	}{
		{name: "today, as guessed", asked: "", shown: "2026-11-24", wantLast: "2026-11-23"},
		{name: "a past day, as asked", asked: "2026-11-20", shown: "2026-11-20", wantLast: "2026-11-19"},
		{name: "the day after the one guessed (midnight passed meanwhile)", asked: "", shown: "2026-11-25", wantLast: "2026-11-24"},
		{name: "a date that is none", asked: "someday", shown: "2026-11-24", wantLast: "2026-11-23"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := h.startPictures(context.Background(), "lon", tc.asked)
			_, days := j.get(tc.shown, "2026-11-24")
			if len(days) != 30 || days[len(days)-1].Date != tc.wantLast {
				t.Fatalf("the strip has %d days, last %+v; want 30 ending %s", len(days), days[len(days)-1:], tc.wantLast)
			}
		})
	}
}

func TestABranchPageListsEachManualCheckWithWhatIsWrongAndAFormToConfirmIt(t *testing.T) {
	tests := []struct {
		name    string
		manual  bool // the descriptor keeps its manual lobby check
		wantRow string
		forms   int
	}{
		{name: "the missing feedback book is listed with its reason and a form", manual: true, forms: 1,
			wantRow: `<tr><td>lobby · feedback_book</td><td>no result from the agent since the pre-opening sweep began at 08:00</td>`},
		{name: "a branch without a manual check lists none", manual: false, forms: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, st := board(t, london("08:30"))
			if !tc.manual {
				d := *st.branch.Descriptor
				d.Devices = d.Devices[:1] // the ATM alone
				st.branch.Descriptor = &d
			}
			body := get(t, h, "/branches/lon")
			form := `<input type="hidden" name="device" value="lobby"><input type="hidden" name="check" value="feedback_book">`
			if !strings.Contains(body, tc.wantRow) || strings.Contains(body, form) != tc.manual || strings.Count(body, `<button type="submit">Record</button>`) != tc.forms {
				t.Errorf("the page does not list its manual checks (%d) with their problems and forms:\n%s", tc.forms, body)
			}
		})
	}
}
