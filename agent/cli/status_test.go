package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/branchready/branchready/agent/admin"
)

func TestTheStatusTableKeepsItsColumnsAligned(t *testing.T) {
	var buf bytes.Buffer
	printChecks(&buf, []admin.CheckState{
		{Device: "atm-01", Check: "reachable", Criticality: "blocking", Status: "ok", Reason: "answers in 3 ms"},
		{Device: "cash-recycler-lobby-north-02", Check: "xfs4iot-cash-dispenser", Criticality: "informational", Status: "degraded",
			Reason: "low on notes:\n20 left"},
	})
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and two rows:\n%s", len(lines), buf.String())
	}
	// Each column starts at the same offset on every line.
	for _, col := range []string{"CRITICALITY", "REASON"} {
		at := strings.Index(lines[0], col)
		for _, l := range lines[1:] {
			if at >= len(l) || l[at-1] != ' ' || l[at] == ' ' {
				t.Errorf("column %s starts at %d, but this row does not:\n%s", col, at, buf.String())
			}
		}
	}
	if !strings.Contains(lines[2], "low on notes: 20 left") {
		t.Errorf("a multi-line reason breaks the row: %q", lines[2])
	}
}

func TestStatusTellsARefusedTokenFromAnUnreachableCollector(t *testing.T) {
	const url = "https://collector.example"
	for _, c := range []struct {
		name      string
		link      admin.CollectorLink
		want, not []string
	}{
		{name: "a 401 says the collector refuses the token and what to do",
			link: admin.CollectorLink{URL: url, LastError: "collector answered 401 Unauthorized: unknown or revoked token", LastErrorCode: 401, ConsecutiveFailures: 3},
			want: []string{"REFUSES THE BRANCH TOKEN (401 Unauthorized, 3 failures)", "unknown or revoked token", "collector.token_file", "branchready-agent enroll --code CODE"},
			not:  []string{"NOT REACHABLE"}},
		{name: "a 403 says so too",
			link: admin.CollectorLink{URL: url, LastError: "collector answered 403 Forbidden: the token of branch \"a\" may not write branch \"b\"", LastErrorCode: 403, ConsecutiveFailures: 1},
			want: []string{"REFUSES THE BRANCH TOKEN (403 Forbidden", "branch.id"}, not: []string{"NOT REACHABLE"}},
		{name: "no answer at all is unreachable",
			link: admin.CollectorLink{URL: url, LastError: "dial tcp 10.0.0.1:443: connect: connection refused", ConsecutiveFailures: 7},
			want: []string{"NOT REACHABLE (7 failures): dial tcp"}, not: []string{"TOKEN"}},
		{name: "another HTTP error says the collector answers, with the status",
			link: admin.CollectorLink{URL: url, LastError: "collector answered 503 Service Unavailable: draining", LastErrorCode: 503, ConsecutiveFailures: 2},
			want: []string{"answers with errors (503 Service Unavailable, 2 failures)"}, not: []string{"NOT REACHABLE", "TOKEN"}},
		{name: "nothing tried yet says so", link: admin.CollectorLink{URL: url}, want: []string{"nothing delivered yet"}, not: []string{"NOT REACHABLE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			printCollector(&buf, c.link)
			for _, w := range c.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("lacks %q:\n%s", w, buf.String())
				}
			}
			for _, n := range c.not {
				if strings.Contains(buf.String(), n) {
					t.Errorf("says %q:\n%s", n, buf.String())
				}
			}
		})
	}
}
