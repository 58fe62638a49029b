package calendar

import (
	"sort"
	"testing"
	"time"
)

func everyDay(hours string) Week {
	return Week{Mon: hours, Tue: hours, Wed: hours, Thu: hours, Fri: hours, Sat: hours, Sun: hours}
}

func TestADayOpenAroundTheClockIsJudgedAtItsCheckTime(t *testing.T) {
	tests := []struct {
		name, checkTime            string
		wantOpening, wantDeadline  string
		wantSweepFrom, wantClosing string
	}{
		{"the default check time is 06:00", "", "2026-11-24 06:00", "2026-11-24 05:45", "2026-11-24 05:00", "2026-11-25 00:00"},
		{"a check time of 00:30 starts the sweep the evening before", "00:30", "2026-11-24 00:30", "2026-11-24 00:15", "2026-11-23 23:30", "2026-11-25 00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, Spec{Timezone: "Europe/London", Hours: everyDay("00:00-24:00"), CheckTime: tc.checkTime})
			d, _ := c.DayByDate("2026-11-24")
			if !d.Open || !d.AllDay {
				t.Fatalf("open %v, all day %v: want both", d.Open, d.AllDay)
			}
			for _, x := range []struct {
				what string
				got  time.Time
				want string
			}{{"opening", d.Opening, tc.wantOpening}, {"deadline", d.Deadline, tc.wantDeadline}, {"sweep start", d.SweepFrom, tc.wantSweepFrom}, {"closing", d.Closing, tc.wantClosing}} {
				if got := x.got.In(c.Location()).Format("2006-01-02 15:04"); got != x.want {
					t.Errorf("%s %s, want %s", x.what, got, x.want)
				}
			}
			slots := c.Slots(d)
			if !sort.SliceIsSorted(slots, func(i, j int) bool { return slots[i].At.Before(slots[j].At) }) {
				t.Errorf("slots out of time order: %v", slots)
			}
			pre, business := 0, 0
			for _, s := range slots {
				if s.Kind == PreOpening {
					pre++
				} else {
					business++
					if !s.At.Before(d.SweepFrom) && s.At.Before(d.Opening) {
						t.Errorf("business-hours sweep at %s inside the pre-opening window", s.At)
					}
				}
			}
			if pre != 10 || business < 80 {
				t.Errorf("%d pre-opening and %d business-hours sweeps, want 10 and at least 80", pre, business)
			}
		})
	}
}

func TestNextFindsPreOpeningSweepsThatFallOnThePreviousDay(t *testing.T) {
	tests := []struct {
		name, hours, from, want string
	}{
		{"a branch open around the clock", "00:00-24:00", "2026-11-24 22:00", "2026-11-25 05:00"},
		{"a branch opening at 00:30 after a day open until midnight", "00:30-24:00", "2026-11-24 22:00", "2026-11-24 23:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, Spec{Timezone: "Europe/London", Hours: everyDay(tc.hours)})
			from, _ := time.ParseInLocation("2006-01-02 15:04", tc.from, c.Location())
			s, ok := c.NextOf(from, PreOpening)
			if !ok {
				t.Fatal("no pre-opening sweep in two weeks")
			}
			if got := s.At.In(c.Location()).Format("2006-01-02 15:04"); got != tc.want {
				t.Errorf("next pre-opening sweep %s, want %s", got, tc.want)
			}
			n, _ := c.Next(from)
			if got := n.At.In(c.Location()).Format("2006-01-02 15:04"); got != "2026-11-24 22:15" {
				t.Errorf("next sweep %s %s, want the business-hours sweep at 22:15", got, n.Kind)
			}
		})
	}
}

func TestCompileRejectsABadCheckTimeAndAVeryEarlySweep(t *testing.T) {
	_, probs := Compile(Spec{Timezone: "UTC", Hours: everyDay("00:00-24:00"), CheckTime: "24:00", SweepStart: 13 * time.Hour})
	want := map[string]string{
		"check_time":  `"24:00": must be HH:MM between 00:00 and 23:59`,
		"sweep_start": "13h0m0s: must be at most 12h0m0s",
	}
	if len(probs) != len(want) {
		t.Fatalf("problems %v, want %v", probs, want)
	}
	for _, p := range probs {
		if want[p.Path] != p.Msg {
			t.Errorf("%s: %q, want %q", p.Path, p.Msg, want[p.Path])
		}
	}
}
