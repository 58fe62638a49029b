package calendar

import (
	"testing"
	"time"
)

// FuzzCalendar compiles calendars from random hours, holidays, zones and
// durations, and asks each one for days, slots and the next sweeps: every
// call must return, in order, and Next must move forward.
func FuzzCalendar(f *testing.F) {
	zones := []string{"UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia", "Mars/Base"}
	f.Add("09:00-17:00", "00:00-24:00", "2026-12-25", "closed", "", uint8(1), int64(15), int64(60), int64(5), int64(15), int64(1785000000))
	f.Add("00:00-24:00", "00:00-24:00", "2026-03-29", "00:00-24:00", "00:30", uint8(1), int64(0), int64(0), int64(0), int64(0), int64(1774746000))
	f.Add("00:30-24:00", "closed", "2026-10-25", "01:00-02:00", "23:59", uint8(4), int64(720), int64(720), int64(1), int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, weekday, weekend, holiday, holidayHours, check string, zone uint8, lead, sweep, retry, business, unix int64) {
		s := Spec{
			Timezone:         zones[int(zone)%len(zones)],
			Hours:            Week{Mon: weekday, Tue: weekday, Wed: weekday, Thu: weekday, Fri: weekday, Sat: weekend, Sun: weekend},
			Holidays:         []Holiday{{Date: holiday, Hours: holidayHours}},
			CheckTime:        check,
			Lead:             time.Duration(lead) * time.Minute,
			SweepStart:       time.Duration(sweep) * time.Minute,
			RetryInterval:    time.Duration(retry) * time.Minute,
			BusinessInterval: time.Duration(business) * time.Minute,
		}
		c, probs := Compile(s)
		if c == nil {
			if len(probs) == 0 {
				t.Fatal("no calendar and no problem")
			}
			return
		}
		from := time.Unix(unix%(400*365*24*3600), 0)
		for range 3 {
			d := c.DayOf(from)
			slots := c.Slots(d)
			for i := 1; i < len(slots); i++ {
				if slots[i].At.Before(slots[i-1].At) {
					t.Fatalf("slots of %s out of order: %v", d.Date, slots)
				}
			}
			if _, ok := c.NextOf(from, PreOpening); !ok {
				t.Fatalf("%s: open days but no pre-opening sweep in two weeks", d.Date)
			}
			n, ok := c.Next(from)
			if !ok {
				t.Fatalf("%s: open days but no sweep in two weeks", d.Date)
			}
			if !n.At.After(from) {
				t.Fatalf("Next(%s) = %s, not after it", from, n.At)
			}
			from = n.At
		}
	})
}
