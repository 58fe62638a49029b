package agent_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/result"
)

// A collector with a certificate from the bank's private CA is trusted
// through collector.ca_file, and the token only ever travels over TLS.
func TestShipsToAnHTTPSCollectorTrustedThroughCAFile(t *testing.T) {
	var batches atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Results []result.Result `json:"results"`
		}
		_ = decodeGzip(r, &b)
		batches.Add(1)
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0}`, len(b.Results))
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "bank-ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`branch:
  id: tls-test
  name: TLS
  timezone: UTC
  hours: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
collector: {url: %q, token: "tls-test-token-0123456789", ca_file: bank-ca.pem}
agent: {listen: "off"}
devices:
  - {id: d, kind: other, checks: [{name: c, timeout: 1s, tcp: {address: "127.0.0.1:1"}}]}
`, srv.URL)
	path := filepath.Join(dir, "branch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Options{ConfigPath: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	waitFor(t, "a batch over TLS", func() bool { return batches.Load() > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
