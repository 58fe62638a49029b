package metrics

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/branchready/branchready/testpeer"
)

// TestMetricsPassPromtool sets every SLA and readiness gauge and has
// promtool lint the exposition (names, help, units).
func TestMetricsPassPromtool(t *testing.T) {
	bin := testpeer.Require(t, "promtool")
	m := New()
	m.BranchReady.WithLabelValues("br-001", "north").Set(1)
	m.SLARatio.WithLabelValues("north", "on_time_readiness").Set(0.97)
	m.SLABudgetLeft.WithLabelValues("north", "on_time_readiness").Set(-2)
	m.SLAObjective.WithLabelValues("availability", "adequate").Set(0.98)
	m.SLARollups.WithLabelValues("new").Inc()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
