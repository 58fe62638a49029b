package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// TestSLAPageInABrowser renders /sla in headless Chromium from a store
// seeded with a fortnight of rollups and holds its plots to the API: each
// point of the daily trend is that day's on-time ratio, each region's zone
// is the zone the API gives it, and the time-to-ready bars count every
// due branch-day.
func TestSLAPageInABrowser(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var rs []store.SLARollup
	for b := range 8 {
		branch, region := fmt.Sprintf("br-%d", b), []string{"north", "south", "east", "west"}[b%4]
		for d := 2; d <= 13; d++ {
			verdict, toReady := "ready", float64(-90*(d+b))
			if (d*b)%7 == 3 {
				verdict, toReady = "not_ready", float64(420*b+30)
			}
			day := store.SLADay{Branch: branch, Region: region, Date: fmt.Sprintf("2026-03-%02d", d), Verdict: verdict, ToReadySeconds: &toReady,
				DeviceSeconds: 28800, UpSeconds: 28800 - float64(400*b)}
			rs = append(rs, store.SLARollup{Day: day, Devices: []store.SLADevice{{Branch: branch, Region: region, Date: day.Date, Device: "atm-01",
				Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", BusinessSeconds: 28800, UpSeconds: 28800 - float64(400*b)}}})
		}
	}
	if err := st.PutSLARollups(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword("ops-password-1")
	users, _ := auth.NewUsers(map[string]string{"ops": hash})
	tokens, _ := auth.NewTokens(nil)
	srv := collector.NewServer(collector.ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log,
		SLA: sla.Settings{OnTime: sla.Objective{Desired: 0.9, Adequate: 0.8}, Availability: sla.Objective{Desired: 0.99, Adequate: 0.95}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + ln.Addr().String()
	const rng = "from=2026-03-02&to=2026-03-13"

	dom := browse(t, "http://ops:ops-password-1@"+ln.Addr().String()+"/sla?"+rng)
	var daily, regions sla.Report
	if err := json.Unmarshal([]byte(get(t, base+"/api/v1/sla?"+rng+"&period=day", "ops", "ops-password-1", 200)), &daily); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(get(t, base+"/api/v1/sla?"+rng+"&group_by=region", "ops", "ops-password-1", 200)), &regions); err != nil {
		t.Fatal(err)
	}

	t.Run("the trend draws one point per day at the API's on-time ratio", func(t *testing.T) {
		pts := regexp.MustCompile(`<circle class="\w+" cx="[0-9.]+" cy="[0-9.]+" r="3.5" data-date="([0-9-]+)" data-value="([0-9.e-]+)"`).FindAllStringSubmatch(dom, -1)
		if len(pts) != len(daily.Rows) || len(pts) != 12 {
			t.Fatalf("%d points drawn, the API has %d days (want 12)", len(pts), len(daily.Rows))
		}
		for i, p := range pts {
			v, _ := strconv.ParseFloat(p[2], 64)
			if row := daily.Rows[i]; p[1] != row.Period || v != *row.OnTime.Ratio {
				t.Errorf("point %d: %s %v, API %s %v", i, p[1], v, row.Period, *row.OnTime.Ratio)
			}
		}
		if !regexp.MustCompile(`id="desired" data-value="0.9"`).MatchString(dom) || !regexp.MustCompile(`id="adequate" data-value="0.8"`).MatchString(dom) {
			t.Error("the desired and adequate lines are not drawn at 0.9 and 0.8")
		}
	})
	t.Run("each region shows the zone the API gives it", func(t *testing.T) {
		for _, r := range regions.Rows {
			want := fmt.Sprintf(`data-region="%s" data-zone="%s"`, r.Group, r.OnTime.Zone)
			if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(dom) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
	t.Run("the time-to-ready bars count every due branch-day", func(t *testing.T) {
		total := 0
		for _, m := range regexp.MustCompile(`data-bucket="[^"]+" data-value="([0-9]+)"`).FindAllStringSubmatch(dom, -1) {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
		if total != 8*12 {
			t.Errorf("the bars count %d branch-days, want %d", total, 8*12)
		}
	})
}
