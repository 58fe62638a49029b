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
