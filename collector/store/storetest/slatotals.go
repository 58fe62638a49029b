package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// totalsOfRows recomputes the second rollup level from the first, as the
// store should have kept it.
func totalsOfRows(t *testing.T, s store.SLA, from, to string) map[store.TotalKey]store.SLATotal {
	t.Helper()
	ctx := context.Background()
	days, err := s.SLADays(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := s.SLADevices(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	byDay := map[[2]string]*store.SLARollup{}
	for _, d := range days {
		byDay[[2]string{d.Branch, d.Date}] = &store.SLARollup{Day: d}
	}
	for _, v := range devs {
		byDay[[2]string{v.Branch, v.Date}].Devices = append(byDay[[2]string{v.Branch, v.Date}].Devices, v)
	}
	ts := store.Totals{}
	for _, r := range byDay {
		ts.Add(*r, 1)
	}
	out := map[store.TotalKey]store.SLATotal{}
	for k, v := range ts {
		if !v.Empty() {
			out[k] = *v
		}
	}
	return out
}

func storedTotals(t *testing.T, s store.SLA, from, to string) map[store.TotalKey]store.SLATotal {
	t.Helper()
	out := map[store.TotalKey]store.SLATotal{}
	for _, dim := range store.TotalDims {
		f, tt := from, to
		if dim == store.DimBranchMonth {
			f, tt = from[:7], to[:7]
		}
		ts, err := s.SLATotals(context.Background(), dim, f, tt)
		if err != nil {
			t.Fatalf("SLATotals(%s): %v", dim, err)
		}
		for i, v := range ts {
			if i > 0 && (ts[i-1].Date > v.Date || ts[i-1].Date == v.Date && ts[i-1].Group >= v.Group) {
				t.Fatalf("SLATotals(%s) not ordered by date and group: %+v before %+v", dim, ts[i-1], v)
			}
			out[store.TotalKey{Dim: v.Dim, Date: v.Date, Group: v.Group}] = v
		}
	}
	return out
}

func testSLATotals(t *testing.T, open Opener) {
	s := slaOf(t, open)
	ctx := context.Background()
	early, late, later := -300.4, 125.5, 125.6
	put := func(rs ...store.SLARollup) {
		t.Helper()
		if err := s.PutSLARollups(ctx, rs); err != nil {
			t.Fatalf("PutSLARollups: %v", err)
		}
	}
	south := slaRollup("br-003", "2026-03-01", "unknown", nil, "pc-01")
	south.Day.Region, south.Devices[0].Region, south.Devices[0].Vendor = "south", "south", ""
	put(slaRollup("br-001", "2026-03-01", "ready", &early, "atm-01", "atm-02"),
		slaRollup("br-002", "2026-03-01", "ready_degraded", &late, "atm-01"),
		slaRollup("br-002", "2026-03-02", "closed", nil, "atm-01"), south,
		slaRollup("br-004", "2026-03-01", "maintenance", nil)) // not due: the bank's due days stay 3
	put(slaRollup("br-001", "2026-03-02", "not_ready", &later, "atm-01"))
	// Re-rolls: a day changes verdict and loses a device; another day is
	// replaced by the same figures.
	put(slaRollup("br-001", "2026-03-01", "not_ready", nil, "atm-02"), slaRollup("br-001", "2026-03-02", "not_ready", &later, "atm-01"))
	want, got := totalsOfRows(t, s, "2026-03-01", "2026-03-31"), storedTotals(t, s, "2026-03-01", "2026-03-31")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored totals =\n%+v\nwant the sums of the rows\n%+v", got, want)
	}
	bank := got[store.TotalKey{Dim: store.DimBank, Date: "2026-03-01", Group: "bank"}]
	if bank.Due != 3 || bank.Ready != 0 || bank.Degraded != 1 || bank.Unknown != 1 || bank.Never != 2 || !reflect.DeepEqual(bank.ToReady, store.Histogram{126: 1}) {
		t.Fatalf("the bank's 1 March = %+v; want 3 due, 1 degraded, 1 unknown, 2 never ready and one day ready in second 126", bank)
	}
	if _, ok := got[store.TotalKey{Dim: store.DimBank, Date: "2026-03-02", Group: "bank"}]; !ok {
		t.Fatal("the bank's 2 March is missing")
	}
	model := got[store.TotalKey{Dim: store.DimModel, Date: "2026-03-01", Group: "NCR" + store.ModelSep + "SelfServ 84"}]
	if model.DeviceMS != 2*28800000 || model.Blamed != 1 {
		t.Fatalf("the model's 1 March = %+v; want two device-days, one blamed", model)
	}
	// A day moved out of a region leaves no empty row behind.
	put(func() store.SLARollup { r := south; r.Day.Region = "north"; return r }())
	if _, ok := storedTotals(t, s, "2026-03-01", "2026-03-01")[store.TotalKey{Dim: store.DimRegion, Date: "2026-03-01", Group: "south"}]; ok {
		t.Fatal("the emptied region south is still stored")
	}
}

func testSLARevisions(t *testing.T, open Opener) {
	s := slaOf(t, open)
	ctx := context.Background()
	late := 600.0
	first := slaRollup("br-001", "2026-03-02", "ready", &late, "atm-01")
	first.Revision = &store.SLARevision{Branch: "br-001", Date: "2026-03-02", At: base.Add(5 * time.Hour).UTC(), VerdictBefore: "not_ready",
		Verdict: "ready", ToReadySeconds: &late, Reason: "1 result received after the deadline"}
	if err := s.PutSLARollups(ctx, []store.SLARollup{first, slaRollup("br-002", "2026-03-02", "ready", nil, "pc-01")}); err != nil {
		t.Fatal(err)
	}
	second := slaRollup("br-001", "2026-03-02", "not_ready", nil, "atm-01")
	second.Revision = &store.SLARevision{Branch: "br-001", Date: "2026-03-02", At: base.Add(30 * time.Hour).UTC(), VerdictBefore: "ready",
		Verdict: "not_ready", ToReadyBeforeSeconds: &late, Reason: "maintenance removed"}
	if err := s.PutSLARollups(ctx, []store.SLARollup{second, slaRollup("br-001", "2026-03-02", "not_ready", nil, "atm-01")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SLARevisions(ctx, "br-001", "2026-03-01", "2026-03-31")
	if err != nil {
		t.Fatalf("SLARevisions: %v", err)
	}
	if want := []store.SLARevision{*first.Revision, *second.Revision}; !reflect.DeepEqual(got, want) {
		t.Fatalf("revisions =\n%+v\nwant both, oldest first, kept through a re-roll without one\n%+v", got, want)
	}
	if all, _ := s.SLARevisions(ctx, "", "2026-03-02", "2026-03-02"); len(all) != 2 {
		t.Fatalf("all branches' revisions = %d, want 2", len(all))
	}
	if none, _ := s.SLARevisions(ctx, "br-002", "2026-03-01", "2026-03-31"); len(none) != 0 {
		t.Fatalf("a day never revised has revisions %+v", none)
	}
}

func testReceivedResults(t *testing.T, open Opener) {
	s := opened(t, open)
	sl, ok := s.(store.SLA)
	if !ok {
		t.Fatal("the store does not implement store.SLA")
	}
	ctx := context.Background()
	recv := base.Add(time.Hour)
	if _, _, err := s.WriteResults(ctx, samples("br-001", 0, 3), recv); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.WriteResults(ctx, samples("br-001", 3, 1), recv.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := sl.ReceivedResults(ctx, "br-001", base, base.Add(time.Minute))
	if err != nil {
		t.Fatalf("ReceivedResults: %v", err)
	}
	if len(got) != 4 || !got[0].ReceivedAt.Equal(recv) || !got[3].ReceivedAt.Equal(recv.Add(time.Hour)) {
		t.Fatalf("ReceivedResults = %+v; want 4, received at %v and the last an hour later", got, recv)
	}
	if !reflect.DeepEqual(got[1].Result, all(t, s, "br-001")[1]) {
		t.Fatalf("a received result differs from Results: %+v", got[1].Result)
	}
}

func testSLABranchSums(t *testing.T, open Opener) {
	s := slaOf(t, open)
	ctx := context.Background()
	a, b, c := -300.4, 125.5, -0.5
	rs := []store.SLARollup{
		slaRollup("br-001", "2026-03-01", "ready", &a, "atm-01"), slaRollup("br-001", "2026-03-02", "ready", &a, "atm-01"),
		slaRollup("br-001", "2026-03-03", "unknown", nil, "atm-01"), slaRollup("br-001", "2026-04-01", "ready_degraded", &b, "atm-01"),
		slaRollup("br-001", "2026-04-02", "closed", nil, "atm-01"), slaRollup("br-002", "2026-03-05", "not_ready", &c, "pc-01"),
		slaRollup("br-002", "2026-05-01", "ready", &a, "pc-01"),
		// Wholly in maintenance: not due, so not summed (rs[1:6] are).
		slaRollup("br-002", "2026-03-06", "maintenance", nil, "pc-01"),
	}
	if err := s.PutSLARollups(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for _, byMonth := range []bool{false, true} {
		got, err := s.SLABranchSums(ctx, "2026-03-02", "2026-04-30", byMonth)
		if err != nil {
			t.Fatalf("SLABranchSums: %v", err)
		}
		want := store.Totals{}
		for _, r := range rs[1:6] {
			key := "2026-03-02"
			if byMonth {
				key = r.Day.Date[:7]
			}
			if !store.Due(r.Day.Verdict) {
				continue
			}
			tt := store.Totals{}
			tt.Add(r, 1)
			bank := *tt[store.TotalKey{Dim: store.DimBank, Date: r.Day.Date, Group: "bank"}]
			bank.Dim, bank.Date, bank.Group = store.DimBranch, key, r.Day.Branch
			if w := want[store.TotalKey{Dim: store.DimBranch, Date: key, Group: r.Day.Branch}]; w != nil {
				w.Merge(&bank)
			} else {
				want[store.TotalKey{Dim: store.DimBranch, Date: key, Group: r.Day.Branch}] = &bank
			}
		}
		gotMap := map[store.TotalKey]store.SLATotal{}
		for _, v := range got {
			gotMap[store.TotalKey{Dim: v.Dim, Date: v.Date, Group: v.Group}] = v
		}
		wantMap := map[store.TotalKey]store.SLATotal{}
		for k, v := range want {
			wantMap[k] = *v
		}
		if !reflect.DeepEqual(gotMap, wantMap) {
			t.Fatalf("SLABranchSums (by month %v) =\n%+v\nwant\n%+v", byMonth, gotMap, wantMap)
		}
	}
}
