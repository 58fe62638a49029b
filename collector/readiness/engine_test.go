package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// countingStore serves one branch and counts result reads.
type countingStore struct {
	branch store.Branch
	reads  int
	rs     []result.Result
}

func (c *countingStore) Branches(context.Context) ([]store.Branch, error) {
	return []store.Branch{c.branch}, nil
}

func (c *countingStore) Branch(context.Context, string) (store.Branch, error) { return c.branch, nil }

func (c *countingStore) Results(context.Context, string, time.Time, time.Time) ([]result.Result, error) {
	c.reads++
	return c.rs, nil
}

func TestEngineRejudgesOnlyWhenAgentReportsOrTheClockMatters(t *testing.T) {
	d, cal := fixture(t)
	st := &countingStore{branch: store.Branch{ID: "lon", Descriptor: d, Contact: store.Contact{At: at("08:10")}},
		rs: []result.Result{res("atm-01", "reachable", result.StatusFail, "08:05", "down")}}
	d.Calendar = cal.Spec()
	now := at("08:20")
	e := &Engine{Store: st, Now: func() time.Time { return now }}
	all := func() BranchStatus {
		t.Helper()
		bs, err := e.All(context.Background())
		if err != nil || len(bs) != 1 {
			t.Fatalf("All: %v %v", bs, err)
		}
		return bs[0]
	}
	steps := []struct {
		name      string
		advance   func()
		wantReads int
		want      Verdict
		final     bool
	}{
		{"the first look judges from the store", func() {}, 1, NotReady, false},
		{"a minute later with no news the cached judgement serves", func() { now = at("08:21") }, 1, NotReady, false},
		{"the agent reporting again means a fresh judgement", func() {
			st.branch.Contact.At = at("08:22")
			st.rs = append(st.rs, res("atm-01", "reachable", result.StatusOK, "08:22", "ok"), res("sign-01", "playlist", result.StatusOK, "08:22", "ok"))
			now = at("08:23")
		}, 2, Ready, false},
		{"passing the deadline makes the verdict final from the results held, reading nothing", func() { now = at("08:46") }, 2, Ready, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.advance()
			b := all()
			if st.reads != s.wantReads || b.Judgement.Verdict != s.want || b.Judgement.Final != s.final {
				t.Errorf("reads %d verdict %s final %v, want %d %s %v", st.reads, b.Judgement.Verdict, b.Judgement.Final, s.wantReads, s.want, s.final)
			}
			if want := now.In(at("00:00").Location()).Format(localTimeFormat); b.LocalTime != want {
				t.Errorf("local time %q, want %q (kept current even when cached)", b.LocalTime, want)
			}
		})
	}
}

type twoBranches struct{ countingStore }

func (t *twoBranches) Branches(context.Context) ([]store.Branch, error) {
	bad := store.Branch{ID: "mars", Descriptor: &result.Descriptor{Name: "Mars", Calendar: t.branch.Descriptor.Calendar}}
	bad.Descriptor.Calendar.Timezone = "Mars/Olympus"
	return []store.Branch{t.branch, bad}, nil // in id order, as stores list them
}

func TestOneBranchThatCannotBeJudgedDoesNotBlankTheBoard(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	st := &twoBranches{countingStore{branch: store.Branch{ID: "lon", Descriptor: d}}}
	e := &Engine{Store: st, Now: func() time.Time { return at("08:20") }}
	bs, err := e.All(context.Background())
	if err != nil || len(bs) != 2 {
		t.Fatalf("All: %d branches, %v", len(bs), err)
	}
	if bs[1].Judgement.Verdict != Unknown || len(bs[1].Judgement.Problems) != 1 ||
		bs[1].Judgement.Problems[0].Reason != `the collector cannot judge this branch: branch mars: calendar: timezone: "Mars/Olympus": unknown time zone (use an IANA name such as Europe/London)` {
		t.Errorf("bad branch shown as %+v", bs[1].Judgement)
	}
	if bs[0].ID != "lon" || bs[0].Judgement.Verdict == "" {
		t.Errorf("good branch %+v", bs[0])
	}
}

func TestAnAgentThatStoppedReportingIsFlaggedSilent(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	now := at("08:20")
	st := &countingStore{branch: store.Branch{ID: "lon", Descriptor: d, Contact: store.Contact{At: at("08:10")}}}
	e := &Engine{Store: st, Now: func() time.Time { return now }}
	bs, _ := e.All(context.Background())
	if bs[0].Silent {
		t.Error("an agent heard from 10 minutes ago is flagged silent")
	}
	now = at("08:26")
	bs, _ = e.All(context.Background())
	if !bs[0].Silent {
		t.Error("an agent not heard from for 16 minutes is not flagged silent")
	}
}
