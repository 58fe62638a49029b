package api

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/readiness"
)

// TestTheListEncodesAStatusAsJSONMarshalDoes fills every field of a
// branch status at random, a few thousand times, and holds the list's
// hand-written encoding to json.Marshal's bytes: a field added to a
// status (or to a judgement, an item, a contact, a heartbeat) and not to
// the encoder fails here.
func TestTheListEncodesAStatusAsJSONMarshalDoes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	refused := 0
	for i := range 3000 {
		var s readiness.BranchStatus
		fillRandom(reflect.ValueOf(&s).Elem(), r, 0)
		want, wantErr := json.Marshal(&s)
		p, err := encodeStatus(&s, nil)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("status %d: error %v, json.Marshal's %v", i, err, wantErr)
		}
		if err != nil {
			refused++
			continue
		}
		got := append([]byte(nil), p.raw[:p.local]...)
		got = appendString(got, s.LocalTime)
		got = append(got, p.raw[p.local:p.silent]...)
		got = appendBool(got, s.Silent)
		got = append(got, p.raw[p.silent:]...)
		if string(got) != string(want) {
			t.Fatalf("status %d:\n got %s\nwant %s", i, got, want)
		}
	}
	if refused == 0 || refused > 1500 {
		t.Errorf("%d of 3000 statuses had a time json refuses: the filler should make a few", refused)
	}
}

// randomStrings are strings json writes as they are and strings it
// escapes.
var randomStrings = []string{"", "b00042", "Zürich Hauptbahnhof", "Bank St. <main> & co", `say "hi"`, `back\slash`,
	"line\nbreak\ttab\bbell\f\x01\x1f", "sep\u2028par\u2029", "bad \xff utf-8", "日本橋", "2026-11-24 08:40 CET", "/"}

var randomZones = []*time.Location{time.UTC, time.FixedZone("", 5*3600+30*60), time.FixedZone("X", -3*3600),
	time.FixedZone("far", 25*3600), mustZone("Europe/Paris"), mustZone("America/New_York")}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fillRandom sets v and whatever it holds to random values: zero, empty
// and nil often, so that omitempty and omitzero are tried both ways.
func fillRandom(v reflect.Value, r *rand.Rand, depth int) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(randomTime(r)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randomStrings[r.IntN(len(randomStrings))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt([]int64{0, 1, -7, 1 << 40, -(1 << 62)}[r.IntN(5)] >> (64 - v.Type().Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint([]uint64{0, 3, 1 << 63}[r.IntN(3)] >> (64 - v.Type().Bits()))
	case reflect.Pointer:
		if depth < 4 && r.IntN(2) == 0 {
			p := reflect.New(v.Type().Elem())
			fillRandom(p.Elem(), r, depth+1)
			v.Set(p)
		}
	case reflect.Slice:
		switch n := r.IntN(5); {
		case n == 0 || depth >= 4:
		case n == 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1)
			for i := range n - 1 {
				fillRandom(s.Index(i), r, depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if n := r.IntN(4); n > 0 && depth < 4 {
			m := reflect.MakeMap(v.Type())
			for range n - 1 {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fillRandom(k, r, depth+1)
				fillRandom(e, r, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(v.Field(i), r, depth+1)
			}
		}
	default:
		panic("fillRandom: no random " + v.Type().String())
	}
}

// randomTime is a time json writes (zero often, in zones, with and
// without nanoseconds) or, rarely, one it refuses (a year past 9999, an
// offset over a day).
func randomTime(r *rand.Rand) time.Time {
	if r.IntN(3) == 0 {
		return time.Time{}
	}
	t := time.Date(2026, 11, 24, 7, 40, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
	if r.IntN(2) == 0 {
		t = t.Truncate(time.Second)
	}
	if r.IntN(200) == 0 {
		t = t.AddDate(8000, 0, 0)
	}
	loc := randomZones[r.IntN(len(randomZones))]
	if loc.String() == "far" && r.IntN(10) != 0 {
		loc = time.UTC
	}
	return t.In(loc)
}
