package outbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/branchready/branchready/alerts/outbox"
)

func TestPrometheusMetrics(t *testing.T) {
	p := outbox.NewPrometheus()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(p.Collectors()...)
	p.Delivered("slack", 800*time.Millisecond)
	p.Failed("slack", "channel_not_found", true)
	p.Failed("slack", "rate_limited", false)
	p.Outbox(3, 90*time.Second)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) != 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
	want := `
# HELP branchready_outbox_oldest_pending_age_seconds Age of the oldest pending notification, from its decision; 0 when none is pending.
# TYPE branchready_outbox_oldest_pending_age_seconds gauge
branchready_outbox_oldest_pending_age_seconds 90
# HELP branchready_outbox_pending Notifications decided and not yet delivered or failed.
# TYPE branchready_outbox_pending gauge
branchready_outbox_pending 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "branchready_outbox_pending", "branchready_outbox_oldest_pending_age_seconds"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "branchready_notification_failures_total"); n != 2 {
		t.Errorf("%d failure series, want one per notifier, reason and permanence", n)
	}
}
