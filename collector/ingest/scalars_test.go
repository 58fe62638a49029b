package ingest

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// FuzzScalars holds the readers of an event time and a number to the
// general parsers: whenever they read a value, time.Time.UnmarshalJSON
// and strconv.ParseFloat read it to the same one.
func FuzzScalars(f *testing.F) {
	for _, s := range []string{"2026-11-24T08:01:00Z", "2026-11-24T08:01:00.123456789Z", "2024-02-29T23:59:59.5Z",
		"2026-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T08:01:60Z", "2026-11-24T08:01:00.Z",
		"2026-11-24T08:01:00.1234567890Z", "2026-11-24T08:01:00+01:00", "2026-11-24t08:01:00z", "0000-01-01T00:00:00Z",
		"0000-02-29T12:00:00Z", "0000-03-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
		"1600-02-29T00:00:00Z", "1900-02-28T00:00:00Z", "2000-02-29T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
		"3.25", "0.00325", "-0", "-0.0", "9007199254740993", "9007199254740991.5", "1e3", "0.1234567890123456789012345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := utcTime([]byte(s)); ok {
			var want time.Time
			if err := want.UnmarshalJSON([]byte(strconv.Quote(s))); err != nil {
				t.Fatalf("%q read as %v, time.Time refuses it: %v", s, got, err)
			}
			if got != want { // the same instant and the same location
				t.Fatalf("%q read as %#v, time.Time reads %#v", s, got, want)
			}
		}
		if v, ok := numberAt([]byte(s)); !ok || len(v) != len(s) {
			return
		}
		if got, ok := decimal([]byte(s)); ok {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("%q read as %v, strconv reads %v (%v)", s, got, want, err)
			}
		}
	})
}

// Every day of the years the reader takes, and of a few more around
// them, is the day time.Date makes of it.
func TestCivilDaysAreTheDaysOfTimeDate(t *testing.T) {
	check := func(y int) {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn(m, y); d++ {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400 // a midnight: exact
				if got := civilDays(y, m, d); got != want {
					t.Fatalf("%04d-%02d-%02d: %d days from 1970, time.Date says %d", y, m, d, got, want)
				}
			}
		}
	}
	for y := 0; y <= 2500; y++ {
		check(y)
	}
	for y := 9500; y <= 9999; y++ {
		check(y)
	}
}

// The forms agents write are the ones read without the general parsers.
func TestTheFormsAgentsWriteAreReadDirectly(t *testing.T) {
	for _, s := range []string{"2026-11-24T08:01:00Z", "2026-11-24T08:01:00.123456789Z", "2026-11-24T08:01:00.5Z"} {
		if _, ok := utcTime([]byte(s)); !ok {
			t.Errorf("%s: left to time.Time", s)
		}
	}
	for _, s := range []string{"3.25", "0.00325", "12", "-7.5"} {
		if _, ok := decimal([]byte(s)); !ok {
			t.Errorf("%s: left to strconv", s)
		}
	}
}

// Decimals of every length and scale the direct reader takes are read to
// the float64 strconv reads them to.
func TestDecimalsAreReadAsStrconvReadsThem(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		digits := strconv.FormatUint(rng.Uint64N(1<<53), 10)
		digits = digits[:1+rng.IntN(len(digits))]
		s := digits
		if at := rng.IntN(len(digits) + 1); at < len(digits) {
			s = digits[:at] + "." + digits[at:]
			if at == 0 {
				s = "0" + s
			}
		}
		if rng.IntN(2) == 0 {
			s = "-" + s
		}
		got, ok := decimal([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q read as %v (%v), strconv reads %v (%v)", s, got, ok, want, err)
		}
	}
}
