package alerting_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// openSQLite opens a store in a temporary folder; the caller closes it.
func openSQLite(t *testing.T, ctx context.Context, log *slog.Logger) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// postEveryFailure is a policy that opens an incident at the first
// failure, resolves it at the first pass and posts to #branches on Slack.
func postEveryFailure(t *testing.T) *alerts.Policy {
	t.Helper()
	pol, err := alerts.New(alerts.Config{Thresholds: alerts.ThresholdConfig{Default: alerts.Thresholds{Fail: 1, Resolve: 1}},
		Routing: alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#branches"}}}}.WithDefaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}
