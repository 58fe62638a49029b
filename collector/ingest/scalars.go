package ingest

import (
	"math"
	"time"
)

// The two scalars every result carries, its event time and its numbers,
// read in the form agents write them without the general parsers:
// time.Time.UnmarshalJSON and strconv.ParseFloat were a seventh of a
// result's decoding. Any other form goes to them, so what is decoded is
// always what they make of it (FuzzFastResult, FuzzScalars).

// utcTime reads s, the bytes of a JSON string between its quotes, when it
// is a UTC time as agents write it, "2026-11-24T08:01:00Z" with or without
// a fraction of a second of up to nine digits, to the time
// time.Time.UnmarshalJSON makes of it; false for any other form.
func utcTime(s []byte) (time.Time, bool) {
	const plain = len("2006-01-02T15:04:05Z")
	if len(s) < plain || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	ok := true
	num := func(i, n int) int {
		x := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				ok = false
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	nsec := 0
	if frac := s[plain-1 : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		nsec = num(plain, len(frac)-1)
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	// time.Date, which normalises any field and looks the zone up, was
	// half of this reader's time; the fields are in range here.
	secs := civilDays(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(secs, int64(nsec)).UTC(), true
}

// civilDays returns the days from 1970-01-01 to the date year-month-day
// of the proleptic Gregorian calendar (year 0 to 9999, month and day in
// range), negative before it (H. Hinnant's days_from_civil: years start
// in March, so that February's leap day ends them).
func civilDays(year, month, day int) int64 {
	if month <= 2 {
		year-- // -1 for January and February of year 0
	}
	era := (year+400)/400 - 1 // floor(year / 400) for year >= -400
	yoe := year - era*400     // [0, 399]
	doy := (153*((month+9)%12)+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// daysIn is the number of days in month of year.
func daysIn(month, year int) int {
	if month == 2 {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + (month+month/8)%2
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimal reads v, a valid JSON number, when it has no exponent and at
// most 19 digits whose value a float64 holds exactly (below 2^53): the
// quotient of that value and a power of ten, both exact, is rounded once,
// correctly, by the division, which is the float64 strconv.ParseFloat
// returns (its own exact case). False for any other number.
func decimal(v []byte) (float64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	var m uint64
	scale := -1 // digits after the point, once it is met
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			if scale >= 0 {
				scale++
			}
		case c == '.' && scale < 0:
			scale = 0
		default:
			return 0, false
		}
	}
	if m >= 1<<53 || scale > 22 {
		return 0, false
	}
	f := float64(m)
	if neg {
		f = math.Copysign(f, -1)
	}
	if scale > 0 {
		f /= pow10[scale]
	}
	return f, true
}
