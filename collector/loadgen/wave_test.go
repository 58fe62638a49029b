package loadgen

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/e2e/binary"
)

// smallWave runs a wave of 50 branches against a collector built from this
// module and checks that its figures are those of a wave that happened:
// every result acknowledged and stored, every verdict right (the run
// fails otherwise), every newly failing check notified once.
func smallWave(t *testing.T, dsn string) (sizeFigures, setup) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the collector and runs it: skipped under -short")
	}
	const branches, rounds = 50, 2
	var out bytes.Buffer
	o := WaveOptions{Binary: binary.Build(t, "branchready-collector"), Rounds: rounds, Concurrency: 8, Readers: 1, DSN: dsn,
		Timeout: 3 * time.Minute, Out: &out}
	dir := t.TempDir()
	sf, s, err := runSize(context.Background(), o, branches, dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	if !strings.Contains(out.String(), "stored after the collector stopped: 2000 of 2000") {
		t.Errorf("the run does not report every result stored:\n%s", out.String())
	}
	if len(sf.rounds) != rounds {
		t.Fatalf("%d rounds measured, want %d", len(sf.rounds), rounds)
	}
	for r, f := range sf.rounds {
		want := 0
		for i := range branches {
			if planOf(i, r).failing >= 0 {
				want++
			}
		}
		switch {
		case f.results != branches*checksPerBranch:
			t.Errorf("round %d counts %d results, want %d", r+1, f.results, branches*checksPerBranch)
		case f.absorbed <= 0 || f.judged < f.absorbed:
			t.Errorf("round %d: absorbed in %s, judged in %s: judging cannot end before the last acknowledgement", r+1, f.absorbed, f.judged)
		case f.notify.n() != want || want == 0:
			t.Errorf("round %d: %d notification latencies, want one for each of the %d newly failing checks", r+1, f.notify.n(), want)
		case f.notify.pct(0.5) > f.notify.pct(0.99):
			t.Errorf("round %d: notification p50 %s above p99 %s", r+1, f.notify.pct(0.5), f.notify.pct(0.99))
		case f.board.n()+f.filtered.n() == 0:
			t.Errorf("round %d: the reader read no board page during the wave", r+1)
		case f.peakRSS < 1<<20 || f.cpu <= 0:
			t.Errorf("round %d: peak RSS %d bytes, CPU %s: not read from the collector process", r+1, f.peakRSS, f.cpu)
		}
	}
	return sf, s
}

func TestAWaveOnSQLiteIsAbsorbedJudgedAndNotifiedWithNothingLost(t *testing.T) {
	_, s := smallWave(t, "")
	// The stored count is read from the store, not from the
	// acknowledgements: a result lost after its acknowledgement shows.
	db, err := sql.Open("sqlite", filepath.Join(s.dir, "wave.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Results are stored one row per branch and batch (a chunk): losing
	// one row loses its n results.
	var rowid, lost int
	if err := db.QueryRow("SELECT rowid, n FROM result_chunks LIMIT 1").Scan(&rowid, &lost); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM result_chunks WHERE rowid = ?", rowid); err != nil {
		t.Fatal(err)
	}
	db.Close()
	got, err := countStored(context.Background(), s, s.fleet, time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
	if err != nil || got != 2000-lost {
		t.Errorf("after losing a chunk of %d results the count is %d (%v), want %d", lost, got, err, 2000-lost)
	}
}

func TestAWaveOnPostgreSQLIsAbsorbedJudgedAndNotifiedWithNothingLost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	smallWave(t, pg.DSN("postgres"))
}

func TestEveryHourOfTheYearHasTwentyZonesInAPreOpeningWindow(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for at := start; at.Before(start.AddDate(1, 0, 0)); at = at.Add(13*time.Hour + 7*time.Minute) {
		f, err := newFleet(len(candidateZones), at)
		if err != nil {
			t.Fatalf("at %s: %v", at, err)
		}
		for _, b := range f.branches[:len(f.zones)] {
			loc, _ := time.LoadLocation(b.zone)
			local := at.In(loc)
			open, _ := time.ParseInLocation("15:04", b.desc.Calendar.Hours.Mon[:5], loc)
			opening := time.Date(local.Year(), local.Month(), local.Day(), open.Hour(), open.Minute(), 0, 0, loc)
			if d := opening.Sub(at); d < lead+time.Hour || d > sweepStart {
				t.Fatalf("at %s, %s opens at %s local, %s later: not inside its pre-opening window with an hour before the deadline", at, b.zone, opening.Format("15:04"), d)
			}
		}
	}
}

func TestEachRoundFailsNewChecksWithTheVerdictsTheyImply(t *testing.T) {
	verdicts := map[readiness.Verdict]int{}
	for i := range 2000 {
		for r := range 3 {
			p, prev := planOf(i, r), planOf(i, r-1)
			verdicts[p.verdict]++
			if p.failing >= 0 && p.failing == prev.failing {
				t.Fatalf("branch %d fails check %d in rounds %d and %d: not newly failing", i, p.failing, r-1, r)
			}
			if p.failing >= 0 {
				want := map[bool]readiness.Verdict{true: readiness.NotReady, false: readiness.ReadyDegraded}[branchChecks[p.failing].crit == "blocking"]
				if p.verdict != want {
					t.Fatalf("branch %d round %d fails a %s check but expects %s", i, r, branchChecks[p.failing].crit, p.verdict)
				}
			}
		}
	}
	for _, v := range []readiness.Verdict{readiness.Ready, readiness.ReadyDegraded, readiness.NotReady} {
		if verdicts[v] < 100 {
			t.Errorf("only %d branch-rounds are %s: the wave needs every verdict", verdicts[v], v)
		}
	}
}

func TestABranchIsStaleUntilJudgedAfterItsBatchWithTheRightVerdict(t *testing.T) {
	f, err := newFleet(1, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	acked := time.Date(2026, 3, 2, 12, 0, 5, 0, time.UTC)
	bodies := []waveBody{{plan: plan{failing: 0, verdict: readiness.NotReady}}}
	at := func(t time.Time, v readiness.Verdict, problems ...problem) []listed {
		l := listed{ID: f.branches[0].id, JudgedAt: t}
		l.Today.Verdict, l.Today.Problems = v, problems
		return []listed{l}
	}
	failing := problem{Device: branchChecks[0].device, Check: branchChecks[0].name}
	for _, c := range []struct {
		name  string
		list  []listed
		stale bool
	}{
		{"a branch missing from the list is stale", nil, true},
		{"a wrong verdict is stale", at(acked.Add(time.Second), readiness.Ready), true},
		{"a verdict judged before the batch was acknowledged is stale", at(acked.Add(-time.Second), readiness.NotReady), true},
		{"the right verdict judged after the acknowledgement is current", at(acked, readiness.NotReady), false},
		{"without judged_at, a verdict not naming the failing check is stale", at(time.Time{}, readiness.NotReady), true},
		{"without judged_at, a verdict naming the failing check is current", at(time.Time{}, readiness.NotReady, failing), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := stale(c.list, f, bodies, []time.Time{acked}); (got != "") != c.stale {
				t.Errorf("stale = %q, want stale %v", got, c.stale)
			}
		})
	}
}

func TestAWaveAgainstARunningCollectorRegistersItsBranchesThroughTheAdminAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collector and runs it: skipped under -short")
	}
	empty, err := newFleet(0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o := WaveOptions{Binary: binary.Build(t, "branchready-collector"), Out: io.Discard}
	c, _, _, cleanup, err := startLocal(context.Background(), o, empty, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	var out bytes.Buffer
	err = RunWave(context.Background(), WaveOptions{URL: c.url, User: userName, Password: userPassword,
		Branches: 20, Rounds: 1, Concurrency: 4, Readers: 1, Timeout: 3 * time.Minute, Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	squeezed := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"imported through the admin API", "median 400"} {
		if !strings.Contains(squeezed, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestKillingTheLeaderOfTwoCollectorsMidWaveLosesNoResultAndNoNotification(t *testing.T) {
	out := twoCollectorWave(t, func(o *WaveOptions) { o.KillLeader = true })
	for _, want := range []string{"2 collectors on one PostgreSQL", "with SIGKILL halfway through round 2", "stored after the collector stopped: 1800 of 1800"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// Each collector restarted in turn in the middle round (an upgrade, one
// machine at a time): both exit cleanly, the leader among them (the second
// leads too by then: it took over from the first), and the wave loses no
// result and no notification (RunWave fails otherwise).
func TestARollingRestartOfTwoCollectorsMidWaveLosesNoResultAndNoNotification(t *testing.T) {
	out := twoCollectorWave(t, func(o *WaveOptions) { o.RollingRestart = true })
	if n := strings.Count(out, "with SIGTERM in round 2: exited cleanly"); n != 2 {
		t.Errorf("%d collectors restarted, want both", n)
	}
	for _, want := range []string{"restarted the leader", "stored after the collector stopped: 1800 of 1800"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// twoCollectorWave runs three rounds of 30 branches against two
// collectors on one PostgreSQL, with the options set changes, and returns
// what it printed.
func twoCollectorWave(t *testing.T, set func(*WaveOptions)) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the collector, starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	var out bytes.Buffer
	o := WaveOptions{Binary: binary.Build(t, "branchready-collector"), Branches: 30, Rounds: 3,
		Concurrency: 4, Readers: 1, DSN: pg.DSN("postgres"), Collectors: 2, Timeout: 3 * time.Minute, Out: &out}
	set(&o)
	err := RunWave(context.Background(), o)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}
