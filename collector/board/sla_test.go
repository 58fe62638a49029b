package board

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// SeedSLA writes a fortnight of rollups for six branches in three regions.
func seedSLA(t testing.TB, st store.SLA) {
	t.Helper()
	var rs []store.SLARollup
	for b := range 6 {
		branch, region := fmt.Sprintf("br-%d", b), []string{"north", "south", "east"}[b%3]
		for d := 2; d <= 13; d++ {
			verdict, toReady := "ready", float64(-60*(d+b))
			if (d+b)%5 == 0 || (b == 2 && d%2 == 0) {
				verdict, toReady = "not_ready", float64(300*b+60)
			}
			tr := toReady
			day := store.SLADay{Branch: branch, Region: region, Date: fmt.Sprintf("2026-03-%02d", d), Verdict: verdict, ToReadySeconds: &tr,
				DeviceSeconds: 2 * 28800, UpSeconds: 2*28800 - float64(600*b), Failures: b % 2}
			devs := []store.SLADevice{
				{Branch: branch, Region: region, Date: day.Date, Device: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", BusinessSeconds: 28800, UpSeconds: 28800 - float64(600*b), Failures: b % 2, Blamed: verdict == "not_ready"},
				{Branch: branch, Region: region, Date: day.Date, Device: "pc-01", Kind: "banking_pc", Vendor: "Dell", Model: "OptiPlex", BusinessSeconds: 28800, UpSeconds: 28800},
			}
			rs = append(rs, store.SLARollup{Day: day, Devices: devs})
		}
	}
	if err := st.PutSLARollups(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func slaMux(t testing.TB) http.Handler {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "board.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seedSLA(t, st)
	reports := sla.Reports{Store: st, Settings: sla.Settings{OnTime: sla.Objective{Desired: 0.9, Adequate: 0.8}, Availability: sla.Objective{Desired: 0.99, Adequate: 0.97}}}
	now := func() time.Time { return time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) }
	mux := http.NewServeMux()
	open := loggedInAs(auth.Person{Name: "ops", Role: auth.Operations})
	api.RegisterSLA(mux, reports, st, now, slog.New(slog.DiscardHandler), open)
	RegisterSLA(mux, reports, st, now, slog.New(slog.DiscardHandler), open)
	return mux
}

func fetch(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestSLAPagePlotsTheAPIsNumbers(t *testing.T) {
	h := slaMux(t)
	const rng = "from=2026-03-01&to=2026-03-13"
	page := fetch(t, h, "/sla?"+rng)
	var daily, regions sla.Report
	if err := json.Unmarshal([]byte(fetch(t, h, "/api/v1/sla?"+rng+"&period=day")), &daily); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fetch(t, h, "/api/v1/sla?"+rng+"&group_by=region")), &regions); err != nil {
		t.Fatal(err)
	}

	t.Run("every point of the daily trend is the API's on-time ratio of that day", func(t *testing.T) {
		pts := regexp.MustCompile(`<circle class="(\w+)" cx="[0-9.]+" cy="[0-9.]+" r="3.5" data-date="([0-9-]+)" data-value="([0-9.e-]+)"`).FindAllStringSubmatch(page, -1)
		if len(pts) != 12 || len(daily.Rows) != 12 {
			t.Fatalf("%d points plotted, %d days in the API; want 12 each", len(pts), len(daily.Rows))
		}
		for i, p := range pts {
			row := daily.Rows[i]
			v, _ := strconv.ParseFloat(p[3], 64)
			if p[2] != row.Period || v != *row.OnTime.Ratio || p[1] != string(row.OnTime.Zone) {
				t.Errorf("point %d: %s %v %s; API %s %v %s", i, p[2], v, p[1], row.Period, *row.OnTime.Ratio, row.OnTime.Zone)
			}
		}
	})
	t.Run("the desired and adequate lines are drawn at the configured levels", func(t *testing.T) {
		for _, want := range []string{`id="desired" data-value="0.9"`, `id="adequate" data-value="0.8"`} {
			if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(page) {
				t.Errorf("the trend lacks %s", want)
			}
		}
	})
	t.Run("each region's zone is the API's", func(t *testing.T) {
		got := map[string]string{}
		for _, m := range regexp.MustCompile(`data-region="(\w+)" data-zone="(\w+)"`).FindAllStringSubmatch(page, -1) {
			got[m[1]] = m[2]
		}
		for _, r := range regions.Rows {
			if got[r.Group] != string(r.OnTime.Zone) {
				t.Errorf("region %s shown as %q, API says %s", r.Group, got[r.Group], r.OnTime.Zone)
			}
		}
		if len(got) != 3 {
			t.Errorf("regions shown %v, want 3", got)
		}
	})
	t.Run("the time-to-ready bars count every due day", func(t *testing.T) {
		total := 0
		for _, m := range regexp.MustCompile(`data-bucket="[^"]+" data-value="(\d+)"`).FindAllStringSubmatch(page, -1) {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
		if total != 72 {
			t.Errorf("bars sum to %d days, want 72 (6 branches × 12 days)", total)
		}
	})
	t.Run("the worst model is the one the API ranks worst", func(t *testing.T) {
		var models sla.Report
		_ = json.Unmarshal([]byte(fetch(t, h, "/api/v1/sla?"+rng+"&group_by=model")), &models)
		worst := sla.Worst(models.Rows, 1)[0]
		m := regexp.MustCompile(`<rect class="\w+" x="220" y="[0-9.]+" width="[0-9.]+" height="18" data-group="([^"]+)" data-value="([0-9.]+)"`).FindAllStringSubmatch(page, -1)
		found := false
		for _, x := range m {
			if x[1] == worst.Group {
				v, _ := strconv.ParseFloat(x[2], 64)
				found = v == *worst.Availability.Ratio
			}
		}
		if !found {
			t.Errorf("the worst model %s (%v) is not drawn with its availability", worst.Group, *worst.Availability.Ratio)
		}
	})
}

func TestSLAPageRejectsBadDates(t *testing.T) {
	rec := httptest.NewRecorder()
	slaMux(t).ServeHTTP(rec, httptest.NewRequest("GET", "/sla?from=yesterday", nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
}
