package readiness

import (
	"testing"
	"time"
)

// The memo must give the day the calendar gives, whichever day it last
// held: a branch judged at 23:59 and again after midnight is judged by
// the new day, with the new day's deadline.
func TestTheDayMemoGivesTheCalendarsDay(t *testing.T) {
	_, cal := fixture(t)
	memo := &dayMemo{}
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{name: "the first judgement of Tuesday works the day out", at: at("08:10")},
		{name: "a later one that Tuesday is given the same day", at: at("16:59")},
		{name: "the last minute of Tuesday is still Tuesday", at: at("23:59")},
		{name: "after midnight it is Wednesday, with its own deadline", at: at("23:59").Add(2 * time.Minute)},
		{name: "a step back to Tuesday (a clock put right) is Tuesday again", at: at("12:00")},
		{name: "a Saturday is closed", at: at("12:00").Add(4 * 24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, until := dayOf(cal, memo, tc.at)
			want := cal.DayOf(tc.at)
			if got.Date != want.Date || got.Open != want.Open || !got.Deadline.Equal(want.Deadline) || !got.Closing.Equal(want.Closing) {
				t.Errorf("memo gives %s (open %v, deadline %s), the calendar %s (open %v, deadline %s)",
					got.Date, got.Open, got.Deadline, want.Date, want.Open, want.Deadline)
			}
			if l := tc.at.In(cal.Location()); until.In(cal.Location()).Format(time.DateTime) != l.AddDate(0, 0, 1).Format(time.DateOnly)+" 00:00:00" {
				t.Errorf("the day of %s ends at %s, want the next local midnight", tc.at, until)
			}
		})
	}
}
