package metrics

import (
	"runtime"
	"testing"
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
