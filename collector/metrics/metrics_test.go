package metrics

import (
	"bytes"
	"os/exec"
	"runtime"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/branchready/branchready/testpeer"
)

func TestBuildInfoNamesVersionRevisionAndGoVersion(t *testing.T) {
	mfs, err := New().Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "branchready_build_info" {
			continue
		}
		labels := map[string]string{}
		for _, l := range mf.GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["version"] == "" || labels["revision"] == "" || labels["goversion"] != runtime.Version() {
			t.Errorf("branchready_build_info labels %v, want version, revision and goversion %s", labels, runtime.Version())
		}
		if v := mf.GetMetric()[0].GetGauge().GetValue(); v != 1 {
			t.Errorf("branchready_build_info = %v, want 1", v)
		}
		return
	}
	t.Fatal("no branchready_build_info metric")
}

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
