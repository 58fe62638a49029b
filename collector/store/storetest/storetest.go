package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Opener returns a new, empty store for one test. Run closes every store it
// opens (a test may close it earlier, so a second Close must not panic); the
// opener cleans up anything else (files, databases) with t.Cleanup.
type Opener func(t *testing.T) store.Store

// Run runs the conformance suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"every field of a result reads back as written", testRoundTrip},
		{"a duplicate in one batch is stored once and counted", testDuplicateInBatch},
		{"a retried batch stores nothing twice", testDuplicateAcrossBatches},
		{"a request's results and contact are written together, once", testWriteBatch},
		{"a batch larger than one statement counts every duplicate", testLargeBatch},
		{"a retried result whose time ingest corrected differently is stored once", testRetryWithMovedTime},
		{"one id twice in a batch at different times is stored once", testDuplicateInBatchMovedTime},
		{"an empty batch stores nothing and succeeds", testEmptyBatch},
		{"results are read in [from, to) oldest first", testRange},
		{"many branches' results read at once equal each branch's read alone", testResultsOf},
		{"many branches' results read at once come by branch, oldest first", testResultsOfOrder},
		{"some branches' contacts read by id come without descriptors, in id order", testContactsOf},
		{"the branches changed since a time are listed by id, heartbeats still encoded", testBranchesChangedSince},
		{"retention deletes one branch's results before a cutoff and nothing else", testDeleteResults},
		{"a retried batch with new results stores only those and keeps the first copies", testRetryOfChangedComposition},
		{"copies within a batch and of stored results are each one duplicate", testDuplicatesWithinAndAcrossBatches},
		{"two batches interleaved in time read back as one sequence, ties by id", testInterleavedBatchesReadInOrder},
		{"a read whose bounds fall inside a batch returns only that part", testReadRangeCutsABatch},
		{"retention whose cutoff falls inside a batch deletes and counts only the older part", testDeleteResultsCutsABatch},
		{"a retried result keeps the time its first copy was received", testReceivedAtIsTheFirstCopys},
		{"a batch across UTC midnight reads back by day and is cut at midnight", testBatchAcrossMidnight},
		{"a copy whose time is unchanged is recognised many batches later", testOldCopyAfterManyBatches},
		{"a branch reads back with its descriptor and contact", testPutBranch},
		{"a contact without descriptor keeps the previous descriptor", testPutBranchKeepsDescriptor},
		{"the agent heartbeat round-trips and a contact without one keeps it", testHeartbeat},
		{"a branch that never sent a descriptor has none", testBranchWithoutDescriptor},
		{"staff confirmations are kept per branch and date in order", testConfirmations},
		{"branches are listed in id order", testBranchesOrder},
		{"an unknown branch is not found", testBranchNotFound},
		{"concurrent writers store every result exactly once", testConcurrentWriters},
		{"writes after close fail cleanly", testWriteAfterClose},
		{"a cancelled context stores nothing", testCancelled},
		{"incidents and their messages are saved together", testIncidentsAndOutboxInOneTransaction},
		{"saving and claiming leases only the new rows that head their incident route", testSaveAndClaim},
		{"silences are kept until they end and can be deleted", testSilences},
		{"SLA rollups read back by date range and a re-rolled day replaces its rows", testSLARollups},
		{"one branch's day rollups read back by date, without other branches' or dates'", testBranchSLADays},
		{"a branch keeps each descriptor version with the time it took effect", testDescriptorHistory},
		{"importing registered branches twice changes nothing", testRegistryImportIsIdempotent},
		{"a rotated token stays valid until the overlap ends", testRegistryRotationOverlaps},
		{"revoking a branch ends its tokens and refuses new ones", testRegistryRevocation},
		{"an enrollment code is exchanged once, before it expires", testRegistryEnrollCodes},
		{"issuing, rotating and revoking tokens each move the tokens' version", testRegistryTokensVersion},
		{"the SLA totals stay the sums of the rollup rows through re-rolls", testSLATotals},
		{"the day rows summed per branch and month equal the sums of the rows", testSLABranchSums},
		{"SLA revisions are kept per branch-day in order and never replaced", testSLARevisions},
		{"results read back with the time they were received", testReceivedResults},
		{"a month's SLA report reads only rollups: unchanged once the raw results are gone", testSLAReportWithoutResults},
		{"old SLA rollups are deleted, whole months of totals only", testExpireSLA},
		{"old resolved incidents go with their messages and threads, never one with a message still to send", testExpireIncidents},
		{"maintenance windows are kept with who and why, and a deleted one stays marked deleted", testMaintenance},
		{"incident commands are queued once per key, settled once, and keep their outcome", testCommands},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open) })
	}
}

// opened opens a store and closes it when the test ends.
func opened(t *testing.T, open Opener) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// base is a start time with nanoseconds, in a zone other than UTC, so a store
// that loses either is caught.
var base = time.Date(2026, 3, 2, 7, 15, 30, 123456789, time.FixedZone("CET", 3600))

// sample returns result i of branch, started i seconds after base.
func sample(branch string, i int) result.Result {
	return result.Result{
		ID:           fmt.Sprintf("%s-%04d", branch, i),
		Branch:       branch,
		Device:       fmt.Sprintf("atm-%02d", i%7),
		Check:        "cash-dispenser",
		Kind:         "tcp",
		Status:       result.StatusOK,
		StartedAt:    base.Add(time.Duration(i) * time.Second),
		DurationMS:   12.5,
		Reason:       "answered in 12ms",
		Observations: map[string]float64{"latency_seconds": 0.0125},
		Sweep:        "pre-opening-1",
		AgentVersion: "1.2.3",
	}
}

// samples returns results first..first+n-1 of branch.
func samples(branch string, first, n int) []result.Result {
	rs := make([]result.Result, n)
	for i := range rs {
		rs[i] = sample(branch, first+i)
	}
	return rs
}

// write stores rs and fails the test unless the counts are as expected.
func write(t *testing.T, s store.Store, rs []result.Result, wantInserted, wantDuplicates int) {
	t.Helper()
	ins, dup, err := s.WriteResults(context.Background(), rs, base.Add(time.Hour))
	if err != nil {
		t.Fatalf("WriteResults: %v", err)
	}
	if ins != wantInserted || dup != wantDuplicates {
		t.Fatalf("WriteResults = %d inserted, %d duplicates; want %d, %d", ins, dup, wantInserted, wantDuplicates)
	}
}

// all reads every result of branch.
func all(t *testing.T, s store.Store, branch string) []result.Result {
	t.Helper()
	rs, err := s.Results(context.Background(), branch, base.Add(-24*time.Hour), base.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("Results: %v", err)
	}
	return rs
}

// ids lists the ids of rs in order.
func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
