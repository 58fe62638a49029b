package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// BenchmarkNotificationLatencyUnderLoad measures how long a failing result
// takes from ingest (its POST answered) to Slack accepting the incident's
// message, while other agents flood ingest with passing results. Each
// iteration is one probe: a new device of one of 20 probe branches fails
// (threshold 1), in its own channel so Slack's pace of one message per
// second per channel does not queue probes behind each other.
//
//	go test -run '^$' -bench NotificationLatency -benchtime 60x ./collector/
func BenchmarkNotificationLatencyUnderLoad(b *testing.B) {
	const loadBranches, probeBranches, batch, loaders = 100, 20, 500, 6
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "c.db"), log)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fake := slacktest.Start(slacktest.Options{})
	defer fake.Close()
	hashes := map[string]string{}
	routes := map[string][]alerts.Target{}
	tokenOf := func(branch string) string { return "bench-token-" + branch + "-0123456789" }
	for i := range loadBranches {
		id := fmt.Sprintf("load-%03d", i)
		hashes[id] = auth.HashToken(tokenOf(id))
	}
	for i := range probeBranches {
		id := fmt.Sprintf("probe-%02d", i)
		hashes[id] = auth.HashToken(tokenOf(id))
		routes[id] = []alerts.Target{{Notifier: "slack", Target: "#" + id}}
	}
	tokens, _ := auth.NewTokens(hashes)
	users, _ := auth.NewUsers(nil)
	cfg := alerting.Config{Config: alerts.Config{
		Thresholds: alerts.ThresholdConfig{Default: alerts.Thresholds{Fail: 1}},
		Routing:    alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#other"}}, Branches: routes},
	}.WithDefaults(), Slack: alerting.SlackConfig{APIURL: fake.URL, TokenEnv: "T"}}
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, MaxResults: 5000,
		Alerts: AlertOptions{Config: cfg, Getenv: func(string) string { return "xoxb-bench" }}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/api/v1/results"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loaders + 2}}
	cal := calendar.Spec{Timezone: "UTC", Hours: calendar.Week{Mon: "00:00-24:00", Tue: "00:00-24:00", Wed: "00:00-24:00",
		Thu: "00:00-24:00", Fri: "00:00-24:00", Sat: "00:00-24:00", Sun: "00:00-24:00"}}
	post := func(branch string, rs []result.Result, devices []result.Device) error {
		body, _ := json.Marshal(result.Batch{Branch: branch, Agent: result.Agent{Version: "bench", ConfigHash: "h", SentAt: time.Now()},
			Descriptor: &result.Descriptor{Name: branch, Calendar: cal, Devices: devices}, Results: rs})
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenOf(branch))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("ingest answered %s", resp.Status)
		}
		return nil
	}
	// Load: passing results of 20 devices per branch, as fast as ingest takes them.
	var loaded atomic.Int64
	var wg sync.WaitGroup
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDevices := make([]result.Device, 20)
	for d := range loadDevices {
		loadDevices[d] = result.Device{ID: fmt.Sprintf("dev-%02d", d), Kind: "atm", Criticality: result.Blocking,
			Checks: []result.CheckRef{{Name: "c", Kind: "tcp"}}}
	}
	for w := range loaders {
		wg.Go(func() {
			for n := 0; loadCtx.Err() == nil; n++ {
				branch := fmt.Sprintf("load-%03d", (w*7919+n)%loadBranches)
				now := time.Now()
				rs := make([]result.Result, batch)
				for i := range rs {
					rs[i] = result.Result{ID: result.NewID(), Branch: branch, Device: fmt.Sprintf("dev-%02d", i%20), Check: "c", Kind: "tcp",
						Status: result.StatusOK, StartedAt: now, Reason: "ok", Sweep: "s", AgentVersion: "bench"}
				}
				if err := post(branch, rs, loadDevices); err != nil && loadCtx.Err() == nil {
					b.Error(err)
					return
				}
				loaded.Add(batch)
			}
		})
	}
	time.Sleep(2 * time.Second) // let the load reach its pace before probing
	var lat []time.Duration
	start, startLoaded := time.Now(), loaded.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		branch := fmt.Sprintf("probe-%02d", i%probeBranches)
		dev := fmt.Sprintf("atm-%04d", i)
		channel := fake.ChannelID("#" + branch)
		before := len(fake.Messages(channel))
		now := time.Now()
		r := result.Result{ID: result.NewID(), Branch: branch, Device: dev, Check: "c", Kind: "tcp", Status: result.StatusFail,
			StartedAt: now, Reason: "cannot connect: connection refused", Sweep: "s", AgentVersion: "bench"}
		devs := []result.Device{{ID: dev, Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "c", Kind: "tcp"}}}}
		if err := post(branch, []result.Result{r}, devs); err != nil {
			b.Fatal(err)
		}
		ingested := time.Now()
		deadline := ingested.Add(30 * time.Second)
		for {
			ms := fake.Messages(channel)
			if len(ms) > before {
				lat = append(lat, max(0, ms[len(ms)-1].PostedAt.Sub(ingested)))
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("probe %d: no message after 30 s", i)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.StopTimer()
	rate := float64(loaded.Load()-startLoaded) / time.Since(start).Seconds()
	stopLoad()
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Milliseconds()) }
	b.ReportMetric(pct(0.5), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(rate, "ingested_results/s")
}
