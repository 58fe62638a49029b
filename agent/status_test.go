package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/agent/admin"
)

// A collector that refuses the branch token is reachable: /status carries
// its 401, so that `branchready-agent status` can say the token is the
// problem rather than the network.
func TestStatusCarriesTheCollectorsRefusalOfTheToken(t *testing.T) {
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"unknown or revoked token"}`)
	}))
	t.Cleanup(col.Close)
	addr := freePort(t)
	path := filepath.Join(t.TempDir(), "branch.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(branchTemplate, "Refused", col.URL, addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Options{ConfigPath: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	var link admin.CollectorLink
	waitFor(t, "the refusal in /status", func() bool {
		resp, err := http.Get("http://" + addr + "/status")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var s admin.Status
		if json.NewDecoder(resp.Body).Decode(&s) != nil {
			return false
		}
		link = s.Collector
		return link.LastError != ""
	})
	if link.LastErrorCode != http.StatusUnauthorized || link.Reachable {
		t.Errorf("collector link %+v: want last_error_code 401, not reachable", link)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
