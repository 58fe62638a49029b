package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/branchready/branchready/collector/readiness"
)

// listed is what the load generator reads of a branch in
// GET /api/v1/branches.
type listed struct {
	ID string `json:"id"`
	// JudgedAt is when the collector judged the verdict shown: current
	// once it is at or after the branch's last acknowledged batch.
	JudgedAt time.Time `json:"judged_at"`
	Today    struct {
		Verdict  readiness.Verdict `json:"verdict"`
		Problems []problem         `json:"problems"`
	} `json:"today"`
}

// problem is an item holding a branch back from ready.
type problem struct {
	Device string `json:"device"`
	Check  string `json:"check"`
}

// waitJudged polls the branch list, logged in as a user, until every
// branch shows the verdict its sweep implies, judged after its batch was
// acknowledged; it returns when the poll that saw it answered. A
// collector without judged_at in the list is held to its verdicts alone
// (and, for a failing branch, to naming the failing check).
//
// Polls follow each other 10 ms apart. Past slowAfter they wait as long
// as the last poll took, so that a long wait does not have the load
// generator's own reading of 20,000 branches take the cores the
// collectors need, and every progressEvery it says on out which branch
// it is waiting for.
func waitJudged(ctx context.Context, out io.Writer, t target, f *fleet, bodies []waveBody, acks []time.Time, timeout time.Duration) (time.Time, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	said := start
	var behind string
	for {
		asked := time.Now()
		list, answered, err := listBranches(ctx, t)
		if err != nil {
			return time.Time{}, err
		}
		if behind = stale(list, f, bodies, acks); behind == "" {
			return answered, nil
		}
		if answered.After(deadline) {
			return time.Time{}, fmt.Errorf("verdicts not current after %s: %s", timeout, behind)
		}
		if now := time.Now(); now.Sub(said) >= progressEvery {
			fmt.Fprintf(out, "        still judging %s after the last acknowledgement: %s\n", now.Sub(start).Round(time.Second), behind)
			said = now
		}
		pause := 10 * time.Millisecond
		if time.Since(start) > slowAfter {
			pause = max(pause, time.Since(asked))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// slowAfter and progressEvery pace a long wait for verdicts (waitJudged).
const (
	slowAfter     = 20 * time.Second
	progressEvery = 15 * time.Second
)

// stale says which branch is not yet judged as it should be, "" when none.
func stale(list []listed, f *fleet, bodies []waveBody, acks []time.Time) string {
	byID := make(map[string]*listed, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	for i, b := range f.branches {
		got, want := byID[b.id], bodies[i].plan
		switch {
		case got == nil:
			return b.id + " is not listed"
		case got.Today.Verdict != want.verdict:
			return fmt.Sprintf("%s is %s, want %s", b.id, got.Today.Verdict, want.verdict)
		case !got.JudgedAt.IsZero() && got.JudgedAt.Before(acks[i]):
			return fmt.Sprintf("%s judged at %s, before its batch was stored at %s", b.id, got.JudgedAt.Format(time.RFC3339Nano), acks[i].Format(time.RFC3339Nano))
		case got.JudgedAt.IsZero() && want.failing >= 0 && !names(got.Today.Problems, branchChecks[want.failing]):
			return fmt.Sprintf("%s does not yet name %s %s", b.id, branchChecks[want.failing].device, branchChecks[want.failing].name)
		}
	}
	return ""
}

func names(ps []problem, c check) bool {
	return slices.Contains(ps, problem{Device: c.device, Check: c.name})
}

// listBranches reads the branch list and returns it with the time its
// last byte arrived: the collector's answer is complete then, and decoding
// 20,000 branches here is the load generator's work, not the collector's.
func listBranches(ctx context.Context, t target) ([]listed, time.Time, error) {
	req, err := t.request(ctx, http.MethodGet, "/api/v1/branches", nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("branch list: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, time.Time{}, fmt.Errorf("branch list: collector answered %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("branch list: %w", err)
	}
	answered := time.Now()
	var out struct {
		Branches []listed `json:"branches"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, time.Time{}, fmt.Errorf("branch list: %w", err)
	}
	return out.Branches, answered, nil
}

// waitNotified waits until the fake Slack has the message of every check
// that newly failed this round and returns the latencies from each batch's
// acknowledgement to its message's arrival.
func waitNotified(ctx context.Context, slack *fakeSlack, f *fleet, bodies []waveBody, acks []time.Time, round int, timeout time.Duration) (latencies, error) {
	deadline := time.Now().Add(timeout)
	var lat latencies
	for i, wb := range bodies {
		if wb.plan.failing < 0 {
			continue
		}
		c := branchChecks[wb.plan.failing]
		k := incidentKey{branch: f.branches[i].id, device: c.device, check: c.name, round: round}
		for {
			at, ok := slack.arrived(k)
			if ok {
				lat.add(at.Sub(acks[i]))
				break
			}
			if time.Now().After(deadline) {
				return lat, fmt.Errorf("no Slack message for %s %s %s after %s (%d of the round's other messages arrived)", k.branch, k.device, k.check, timeout, lat.n())
			}
			select {
			case <-ctx.Done():
				return lat, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return lat, nil
}
