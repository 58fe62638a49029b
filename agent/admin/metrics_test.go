package admin

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/branchready/branchready/result"
)

// page serves m once, checks that Prometheus' parser takes the text, and
// returns it.
func page(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String())); err != nil {
		t.Fatalf("the page does not parse: %v\n%s", err, w.Body)
	}
	return w.Body.String()
}

func TestTheMetricsPageCountsChecksSweepsAndDrops(t *testing.T) {
	m := NewMetrics("1.2.3", Gauges{
		SpoolResults: func() float64 { return 7 },
		Dropped:      func() map[string]uint64 { return map[string]uint64{"spool_full": 3} },
	})
	m.ObserveSweep("pre_opening", 1.5, []result.Result{
		{Kind: "tcp", Status: result.StatusOK, DurationMS: 2},
		{Kind: "tcp", Status: result.StatusOK, DurationMS: 4},
		{Kind: "http", Status: result.StatusFail, DurationMS: 5000},
	}, false, 1700000000)
	m.Reloaded(true)
	text := page(t, m)
	tests := []struct{ name, line string }{
		{"two tcp checks passed", `branchready_agent_checks_total{kind="tcp",status="ok"} 2`},
		{"one http check failed", `branchready_agent_checks_total{kind="http",status="fail"} 1`},
		{"a 2 ms check is above the 1 ms bucket", `branchready_agent_check_duration_seconds_bucket{kind="tcp",le="0.001"} 0`},
		{"a 4 ms check falls in the 4 ms bucket (le is inclusive)", `branchready_agent_check_duration_seconds_bucket{kind="tcp",le="0.004"} 2`},
		{"a 5 s check is counted in the infinite bucket", `branchready_agent_check_duration_seconds_bucket{kind="http",le="+Inf"} 1`},
		{"the tcp durations sum to 6 ms", `branchready_agent_check_duration_seconds_sum{kind="tcp"} 0.006`},
		{"the sweep is counted by its kind", `branchready_agent_sweep_duration_seconds_count{sweep="pre_opening"} 1`},
		{"a failing sweep is not ready", "branchready_agent_ready 0"},
		{"the last sweep's time is kept", "branchready_agent_last_sweep_timestamp_seconds 1.7e+09"},
		{"a successful reload is counted", `branchready_agent_config_reloads_total{result="success"} 1`},
		{"no reload failed, and the series exists", `branchready_agent_config_reloads_total{result="failure"} 0`},
		{"the spool depth is read at scrape time", "branchready_agent_spool_results 7"},
		{"drops are counted by reason", `branchready_agent_spool_dropped_total{reason="spool_full"} 3`},
		{"a reason without drops reads 0", `branchready_agent_spool_dropped_total{reason="corrupt"} 0`},
		{"the build info carries the version", `version="1.2.3"} 1`},
		{"the goroutines are counted", "go_goroutines "},
		{"the histogram is typed", "# TYPE branchready_agent_check_duration_seconds histogram"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(text, tc.line) {
				t.Errorf("the page lacks %q:\n%s", tc.line, text)
			}
		})
	}
}

func TestLabelValuesAreEscaped(t *testing.T) {
	text := page(t, NewMetrics("a \"quoted\"\\ver\nsion", Gauges{}))
	if !strings.Contains(text, `version="a \"quoted\"\\ver\nsion"`) {
		t.Fatalf("the version is not escaped:\n%s", text)
	}
}
