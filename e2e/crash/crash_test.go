package crash

import (
	"flag"
	"fmt"
	"github.com/branchready/branchready/e2e/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/admin"
)

var seedFlag = flag.Uint64("crash.seed", 0, "seed of the kill times and collector faults (0: a new one, logged)")

// kills is how many times the agent is killed before the final run.
const kills = 8

func TestKillNineMidSweepAndMidShippingLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the agent and kills it repeatedly: skipped under testing.Short (go test -short)")
	}
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (repeat with -crash.seed=%d)", seed, seed)
	rnd := rand.New(rand.NewPCG(seed, 2))
	bin := binary.Build(t, "branchready-agent")
	col := startCollector(t, seed)
	b := writeBranch(t, col.url, startTargets(t))
	seen := spooledSeen{}
	for run := range kills {
		m := mode(run % 3)
		col.fault.set(m)
		p := startAgent(t, bin, b, run)
		after := 300*time.Millisecond + time.Duration(rnd.Int64N(int64(2700*time.Millisecond)))
		last := watch(b.admin, time.After(after), seen)
		p.kill(t, run)
		t.Logf("run %d: collector %s, SIGKILL %s after /status answered; last seen: %s",
			run, m, after.Round(time.Millisecond), describe(last))
	}
	col.fault.set(prompt)
	p := startAgent(t, bin, b, kills)
	drain(t, p, b.admin, seen)
	p.stop(t)

	stored := storedResults(t, col.store)
	f := col.fault.snapshot()
	assertStore(t, stored, f, seen)
	assertSpoolEmpty(t, b.stateDir)
	t.Logf("runs %d (%d killed), sweeps stored %d, results stored %d, POSTs %d (%d answers dropped), "+
		"results delivered %d for %d distinct ids: %d duplicate deliveries, %d absorbed as duplicates by the store",
		kills+1, kills, len(sweepsOf(stored)), len(stored), f.posts, f.answersDropped,
		f.delivered, f.distinctDelivered, f.delivered-f.distinctDelivered, f.storeDuplicates)
}

// spooledSeen holds the results /status showed: the agent shows a sweep's
// results only after the spool acknowledged them, so each must reach the
// collector. Keyed by device/check and the start time to the nanosecond.
type spooledSeen map[seenKey]bool

type seenKey struct {
	device, check string
	at            int64
}

// note reads /status and records the results it shows.
func note(addr string, seen spooledSeen) (admin.Status, error) {
	s, err := status(addr)
	if err != nil || s.LastSweep == nil {
		return s, err
	}
	for _, c := range s.Checks {
		if !c.At.IsZero() {
			seen[seenKey{c.Device, c.Check, c.At.UnixNano()}] = true
		}
	}
	return s, nil
}

// watch polls /status until stop fires, noting the results shown; it
// returns the last status read.
func watch(addr string, stop <-chan time.Time, seen spooledSeen) admin.Status {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last admin.Status
	for {
		select {
		case <-stop:
			return last
		case <-tick.C:
		}
		if s, err := note(addr, seen); err == nil {
			last = s
		}
	}
}

// describe says where the agent was when it was killed, as far as the
// last /status showed.
func describe(s admin.Status) string {
	switch {
	case s.LastSweep == nil:
		return "mid-sweep"
	case s.Spool.Results > 0:
		return fmt.Sprintf("mid-shipping, %d results in the spool", s.Spool.Results)
	}
	return "swept and shipped"
}

// drain waits until the last run has swept and its spool is empty. The
// bound only stops a broken agent from hanging the test.
func drain(t *testing.T, p *agentProc, addr string, seen spooledSeen) {
	t.Helper()
	limit := time.After(45 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := note(addr, seen)
		if err == nil && s.LastSweep != nil && s.Spool.Results == 0 {
			return
		}
		select {
		case <-limit:
			t.Fatalf("the agent did not sweep and drain its spool within 45s (spool %+v, err %v)\n%s", s.Spool, err, p.tail())
		case <-p.exited:
			t.Fatalf("the agent exited while draining (%v)\n%s", p.err, p.tail())
		case <-tick.C:
		}
	}
}
