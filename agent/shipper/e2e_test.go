package shipper

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/result"
)

// TestHelperProcess is not a test: it is the agent side of the end-to-end
// kill test, run as a child process.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("SHIPPER_TEST_HELPER")
	if mode == "" {
		return
	}
	if err := agentChild(mode, os.Getenv("SHIPPER_TEST_SPOOL"), os.Getenv("SHIPPER_TEST_URL")); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// agentChild puts results and ships them until killed ("put"), or ships
// what is left and exits ("drain").
func agentChild(mode, path, url string) error {
	sp, err := spool.Open(path, spool.Options{})
	if err != nil {
		return err
	}
	sh := New(Options{
		URL: url, Token: testToken, Branch: "b-001", Spool: sp, BatchSize: 40,
		MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, PollInterval: 20 * time.Millisecond,
		Heartbeat: -1, Timeout: 5 * time.Second,
	})
	if mode == "drain" {
		for sp.Depth() > 0 {
			if _, err := sh.round(context.Background()); err != nil {
				return err
			}
		}
		fmt.Println("drained")
		return nil
	}
	go func() { _ = sh.Run(context.Background()) }()
	for i := 0; ; i++ {
		batch := make([]result.Result, 1+i%9)
		for j := range batch {
			batch[j] = result.Result{ID: result.NewID(), Branch: "b-001", Device: "atm-01", Check: "port", Kind: "tcp",
				Status: result.StatusOK, StartedAt: time.Now(), Reason: "port 443 open"}
		}
		if err := sp.Put(batch, nil); err != nil {
			return err
		}
		fmt.Println("put", strings.Join(batchIDs(batch), " "))
		sh.Kick()
	}
}

func TestKillingTheAgentAtRandomMomentsLosesAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes: skipped under testing.Short (go test -short)")
	}
	c := newCollector()
	c.fault = flakyCollector(c)
	srv := serve(t, c)
	path := filepath.Join(t.TempDir(), "spool.db")
	var put []string
	for round := range 6 {
		lines := runChild(t, "put", path, srv.URL, 10+rand.IntN(90))
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) > 0 && f[0] == "error" {
				t.Fatalf("round %d: agent failed: %s", round, l)
			}
			if len(f) > 0 && f[0] == "put" {
				put = append(put, f[1:]...)
			}
		}
	}
	c.mu.Lock()
	c.fault = nil
	c.mu.Unlock()
	if out := runChild(t, "drain", path, srv.URL, -1); len(out) == 0 || out[len(out)-1] != "drained" {
		t.Fatalf("draining the spool: %v", out)
	}
	if len(put) == 0 {
		t.Fatal("the agent never reported a Put: the test proved nothing")
	}
	arrivals := c.check(t, put)
	again := 0
	for _, n := range arrivals {
		again += n - 1
	}
	t.Logf("%d results put across 6 kills, all stored once; %d arrivals were retries the collector's idempotency absorbed", len(put), again)
}

// flakyCollector fails one request in ten and loses one acknowledgement in
// ten after storing the batch.
func flakyCollector(c *collector) func(int, *result.Batch, http.ResponseWriter, *http.Request) bool {
	return func(_ int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool {
		switch rand.IntN(10) {
		case 0:
			return answer(503, `{"error":"store unavailable"}`, "Retry-After", "0")(0, b, w, r)
		case 1:
			c.store(b.Results)
			return answer(200, `{"accepted":`)(0, b, w, r)
		}
		return false
	}
}

// runChild runs the agent child; with lines >= 0 it kills it with SIGKILL
// after that many reported lines. It returns every line reported.
func runChild(t *testing.T, mode, path, url string, lines int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "SHIPPER_TEST_HELPER="+mode, "SHIPPER_TEST_SPOOL="+path, "SHIPPER_TEST_URL="+url)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for (lines < 0 || len(out) < lines) && sc.Scan() {
		out = append(out, sc.Text())
	}
	if lines >= 0 {
		_ = cmd.Process.Kill()
	}
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	_ = cmd.Wait()
	return out
}
