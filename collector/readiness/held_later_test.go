package readiness

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// The engine held a branch's results as a []result.Result until it packed
// them (heldSet). laterSlice and appendLaterSlice are the slice form's
// later and appendLater, kept as the reference the packed form is held
// to (with merge, which install still uses on slices).

func laterSlice(held, rs []result.Result) bool {
	if len(held) == 0 {
		return true
	}
	last := held[len(held)-1]
	for _, r := range rs {
		if byTimeID(last, r) >= 0 {
			return false
		}
	}
	return true
}

func appendLaterSlice(held, rs []result.Result, lo, hi time.Time) []result.Result {
	n := len(held)
	out := appendCompact(slices.Grow(held, len(rs)), rs, lo, hi)
	tail := out[n:]
	if !slices.IsSortedFunc(tail, byTimeID) {
		slices.SortFunc(tail, byTimeID)
	}
	return out[:n+len(slices.CompactFunc(tail, sameResult))]
}

// handSlice is what Handed did with a batch the slice form held.
func handSlice(held, rs []result.Result, lo, hi time.Time) []result.Result {
	if laterSlice(held, rs) {
		return appendLaterSlice(held, rs, lo, hi)
	}
	return merge(held, compact(rs, lo, hi))
}

// handPacked is what Handed does with a batch now.
func handPacked(t *testing.T, held heldSet, rs []result.Result, lo, hi time.Time) heldSet {
	t.Helper()
	var ok bool
	if later(held, rs) {
		held, ok = appendLater(held, rs, lo, hi)
	} else {
		held, ok = mergeHeld(held, compact(rs, lo, hi))
	}
	if !ok {
		t.Fatal("a batch of ordinary results did not fit the packed form")
	}
	return held
}

// sameHeld fails t unless got (decoded) is want: the same results in the
// same order, each field the same, times the same instant shown in the
// same zone.
func sameHeld(t *testing.T, got heldSet, want []result.Result) {
	t.Helper()
	rs := got.appendResults(nil)
	if len(rs) != len(want) {
		t.Fatalf("packed form holds %v, the slice form %v", ids(rs), ids(want))
	}
	for i := range rs {
		g, w := rs[i], want[i]
		gn, goff := g.StartedAt.Zone()
		wn, woff := w.StartedAt.Zone()
		if !g.StartedAt.Equal(w.StartedAt) || gn != wn || goff != woff || g.StartedAt.String() != w.StartedAt.String() {
			t.Fatalf("result %d at %s, the slice form's at %s", i, g.StartedAt, w.StartedAt)
		}
		g.StartedAt, w.StartedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("result %d is %+v, the slice form's %+v", i, g, w)
		}
	}
}

// TestALaterBatchIsHeldAsMergeWouldHoldIt holds appendLater, the path of
// most batches, to merge: random batches after what is held, in any order,
// with repeats and results outside the held window, give the same results
// in the same order, and a reader's view of what was held is unchanged.
func TestALaterBatchIsHeldAsMergeWouldHoldIt(t *testing.T) {
	base := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	lo, hi := base, base.Add(time.Hour)
	for seed := range uint64(200) {
		rnd := rand.New(rand.NewPCG(seed, 11))
		var held []result.Result
		for i := range rnd.IntN(30) {
			held = append(held, result.Result{ID: fmt.Sprintf("h%02d", i), StartedAt: base.Add(time.Duration(i) * time.Minute)})
		}
		var rs []result.Result
		for range rnd.IntN(25) {
			at := base.Add(time.Duration(30+rnd.IntN(40)) * time.Minute) // some past hi
			r := result.Result{ID: fmt.Sprintf("r%d", rnd.IntN(12)), StartedAt: at, Status: result.StatusOK, Reason: "ok", Kind: "tcp"}
			if rnd.IntN(4) == 0 && len(rs) > 0 {
				r = rs[rnd.IntN(len(rs))] // a repeat within the batch
			}
			rs = append(rs, r)
		}
		if rnd.IntN(5) == 0 && len(held) > 0 {
			rs = append(rs, held[len(held)-1]) // one not later: merge's case
		}
		t.Run(fmt.Sprintf("random batch %d is held as merge holds it", seed), func(t *testing.T) {
			want := merge(slices.Clone(held), compact(slices.Clone(rs), lo, hi))
			h, ok := packAll(held)
			if !ok {
				t.Fatal("ordinary results did not fit the packed form")
			}
			if !later(h, rs) {
				if len(held) == 0 {
					t.Fatal("nothing held, yet the batch is not later")
				}
				return
			}
			h.ps = slices.Grow(h.ps, rnd.IntN(40)) // spare room is appended in place
			view := h.appendResults(nil)
			got, ok := appendLater(h, slices.Clone(rs), lo, hi)
			if !ok {
				t.Fatal("ordinary results did not fit the packed form")
			}
			sameHeld(t, got, want)
			sameHeld(t, h, view)
			for _, r := range got.appendResults(nil) {
				if r.Kind != "" {
					t.Fatalf("result %s kept its kind: only what judging needs is held", r.ID)
				}
			}
		})
	}
}

// TestThePackedFormHoldsWhatTheSliceFormHeldBatchAfterBatch hands random
// batches (in and out of order, repeated, retried with other contents,
// some outside the window, in several zones, with every status) to the
// packed form and to the slice form it replaced: after each, both hold the
// same results in the same order, a reader's view taken before is
// unchanged, and a judgement from either is the same, byte for byte.
func TestThePackedFormHoldsWhatTheSliceFormHeldBatchAfterBatch(t *testing.T) {
	d, cal := fixture(t)
	day, err := cal.DayByDate("2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	zones := []*time.Location{time.UTC, time.UTC, time.Local, paris, time.FixedZone("", 2*3600), time.FixedZone("EST", -5*3600)}
	statuses := []result.Status{result.StatusOK, result.StatusOK, result.StatusDegraded, result.StatusFail, result.StatusUnknown}
	reasons := []string{"ok", "ok", "", "connection refused", "slow: 900 ms"}
	names := [][2]string{{"atm-01", "reachable"}, {"sign-01", "playlist"}, {"clock", "ntp"}, {"gone", "retired"}}
	lo, hi := at("07:00"), at("17:00")
	for seed := range uint64(150) {
		rnd := rand.New(rand.NewPCG(seed, 27))
		t.Run(fmt.Sprintf("random day %d is held and judged the same", seed), func(t *testing.T) {
			var want []result.Result
			var got heldSet
			var views []heldSet
			var viewWant [][]result.Result
			start := at("06:50")
			for batch := range 1 + rnd.IntN(12) {
				var rs []result.Result
				sweep := fmt.Sprintf("pre_opening-20261124T%02d0000-%d", 7+batch%3, batch)
				if rnd.IntN(3) == 0 {
					sweep = ""
				}
				for range rnd.IntN(8) {
					n := names[rnd.IntN(len(names))]
					ts := start.Add(time.Duration(rnd.IntN(90)) * time.Minute).Add(time.Duration(rnd.IntN(3)) * time.Second)
					r := result.Result{ID: fmt.Sprintf("r%02d", rnd.IntN(40)), Branch: "lon", Device: n[0], Check: n[1], Kind: "tcp",
						Status: statuses[rnd.IntN(len(statuses))], StartedAt: ts.In(zones[rnd.IntN(len(zones))]),
						Reason: reasons[rnd.IntN(len(reasons))], Sweep: sweep, DurationMS: 12}
					if rnd.IntN(5) == 0 && len(want) > 0 { // a retry of a held result, perhaps with other contents
						old := want[rnd.IntN(len(want))]
						r.ID, r.StartedAt = old.ID, old.StartedAt
					}
					rs = append(rs, r)
				}
				start = start.Add(time.Duration(rnd.IntN(40)) * time.Minute)
				if rnd.IntN(4) == 0 {
					views, viewWant = append(views, got), append(viewWant, slices.Clone(want))
				}
				want = handSlice(want, slices.Clone(rs), lo, hi)
				got = handPacked(t, got, slices.Clone(rs), lo, hi)
				sameHeld(t, got, want)
				for k, v := range views {
					sameHeld(t, v, viewWant[k])
				}
				for _, now := range []time.Time{at("08:20"), at("09:05"), at("12:00")} {
					if g, w := judgeJSON(t, d, cal, day, got.inRange(lo, hi).appendResults(nil), now),
						judgeJSON(t, d, cal, day, inRange(want, lo, hi), now); g != w {
						t.Fatalf("after batch %d, judged at %s from the packed form:\n%s\nfrom the slice form:\n%s", batch, now.Format("15:04"), g, w)
					}
				}
			}
		})
	}
}

func judgeJSON(t *testing.T, d *result.Descriptor, cal *calendar.Calendar, day calendar.Day, rs []result.Result, now time.Time) string {
	t.Helper()
	b, err := json.Marshal(JudgeDay(d, cal, day, rs, now))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAResultThatDoesNotFitThePackedFormLetsTheBranchGo: a status the
// packed form has no code for is refused, and Handed then lets the
// branch go (it is judged from the store) rather than hold it wrong.
func TestAResultThatDoesNotFitThePackedFormLetsTheBranchGo(t *testing.T) {
	var s heldSet
	if s.add(result.Result{ID: "a", Device: "atm-01", Check: "reachable", Status: "exploded", StartedAt: at("08:00")}) {
		t.Fatal("a result with an unknown status was packed")
	}
	if s.len() != 0 {
		t.Fatalf("a refused result left %d held", s.len())
	}
	e := &Engine{Now: func() time.Time { return at("08:30") }}
	e.held = map[string]*held{"lon": {}}
	e.held["lon"].holdWhole(at("08:00"))
	e.Handed("lon", store.Contact{At: at("08:10")}, []result.Result{{ID: "a", Device: "atm-01", Check: "reachable", Status: result.StatusOK,
		StartedAt: at("08:05")}}, true)
	if n := e.Held(); n != 1 {
		t.Fatalf("%d results held after an ordinary batch, want 1", n)
	}
	e.Handed("lon", store.Contact{At: at("08:20")}, []result.Result{{ID: "b", Device: "atm-01", Check: "reachable", Status: "exploded",
		StartedAt: at("08:15")}}, true)
	if h := e.held["lon"]; h.loaded || e.Held() != 0 {
		t.Fatalf("after a result that does not fit: loaded %v, %d held; want the branch let go", h.loaded, e.Held())
	}
}

func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID + "@" + r.StartedAt.Format("15:04")
	}
	return out
}

// TestHeldResultsKeepTheirBytesWhenTheRequestsAreReused: ingest hands in
// results whose strings share a request's buffer, which the next request
// overwrites. What is held (a first batch packed into the room reserve
// made for it, a later batch with a check new to the branch, a store read
// packed whole) reads back as handed, after every buffer is overwritten.
func TestHeldResultsKeepTheirBytesWhenTheRequestsAreReused(t *testing.T) {
	var bufs [][]byte
	// batch builds results whose every string is bytes of one buffer.
	batch := func(start time.Time, checks ...string) []result.Result {
		var rs []result.Result
		buf := make([]byte, 0, 4096)
		str := func(v string) string {
			n := len(buf)
			buf = append(buf, v...)
			return unsafe.String(&buf[n], len(v))
		}
		for i, c := range checks {
			rs = append(rs, result.Result{ID: str(fmt.Sprintf("%s-%d", c, start.Minute())), Device: str("atm-0" + c[:1]), Check: str(c),
				Status: result.StatusFail, StartedAt: start.Add(time.Duration(i) * time.Second), Reason: str("refused: " + c), Sweep: str("sweep-" + start.Format("1504"))})
		}
		bufs = append(bufs, buf)
		return rs
	}
	clone := func(rs []result.Result) []result.Result {
		out := make([]result.Result, len(rs))
		for i, r := range rs {
			out[i] = result.Result{ID: strings.Clone(r.ID), Device: strings.Clone(r.Device), Check: strings.Clone(r.Check), Status: r.Status,
				StartedAt: r.StartedAt, Reason: strings.Clone(r.Reason), Sweep: strings.Clone(r.Sweep)}
		}
		return out
	}
	first, second := batch(at("08:05"), "1reachable", "2cash", "3jam"), batch(at("08:20"), "1reachable", "4receipt", "2cash")
	want := append(clone(first), clone(second)...)
	var got heldSet
	got = handPacked(t, got, first, time.Time{}, time.Time{})
	got = handPacked(t, got, second, time.Time{}, time.Time{})
	read, ok := packAll(batch(at("09:00"), "5door", "6alarm"))
	if !ok {
		t.Fatal("a store read of ordinary results did not fit the packed form")
	}
	wantRead := clone(read.appendResults(nil))
	for _, b := range bufs {
		for i := range b {
			b[i] = 'x'
		}
	}
	sameHeld(t, got, want)
	sameHeld(t, read, wantRead)
}
