package collector

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/result"
)

// asOps sends a request as the ops user and returns the status and body.
func asOps(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.SetBasicAuth("ops", "pw")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A maintenance window made through the API for one ATM mutes that ATM's
// incident (it still fires and shows on the board, named by the window),
// not the other ATM's; deleting the window lets the still failing ATM's
// incident be posted.
func TestAStoredMaintenanceWindowMutesTheDevicesItCovers(t *testing.T) {
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-test"})
	defer fake.Close()
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	users, _ := auth.NewUsers(map[string]string{"ops": string(h)})
	c := startAlertCollectorWith(t, fake, filepath.Join(t.TempDir(), "c.db"), users)
	c.send(t, nil) // the branch becomes known

	code, body := asOps(t, http.MethodPost, c.url+"/api/v1/maintenance",
		`{"branch":"`+alertBranch+`","devices":["atm-02"],"start":"2026-11-26 08:00","end":"2026-11-26 10:00","comment":"vendor swaps the cassette"}`)
	if code != http.StatusCreated {
		t.Fatalf("creating the window answered %d: %s", code, body)
	}
	var made struct{ Maintenance struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &made); err != nil || made.Maintenance.ID == "" {
		t.Fatalf("the created window %s has no id (%v)", body, err)
	}
	win := made.Maintenance

	c.clock.Set(nyAt("08:11"))
	c.send(t, map[string]result.Status{"atm-01": result.StatusFail, "atm-02": result.StatusFail})
	c.clock.Set(nyAt("08:16"))
	c.send(t, map[string]result.Status{"atm-01": result.StatusFail, "atm-02": result.StatusFail})
	waitFor(t, "atm-01's incident posted", func() bool { return len(roots(c.messages("#branches"))) >= 1 })

	var muted alerts.Incident
	waitFor(t, "atm-02's incident firing", func() bool {
		incs, _ := c.svc.Incidents(context.Background(), time.Time{})
		for _, inc := range incs {
			if inc.Key.Device == "atm-02" && inc.State == alerts.Firing {
				muted = inc
				return true
			}
		}
		return false
	})
	t.Run("the covered ATM's incident fires muted by the window and is not posted", func(t *testing.T) {
		if muted.MutedBy != win.ID || len(muted.Notified) != 0 {
			t.Errorf("atm-02's incident muted by %q, notified %v; want muted by %s and not notified", muted.MutedBy, muted.Notified, win.ID)
		}
		ms := roots(c.messages("#branches"))
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "atm-01") {
			t.Errorf("messages in #branches: %d, want only atm-01's", len(ms))
		}
	})
	t.Run("the incident's page names the window and why", func(t *testing.T) {
		_, page := asOps(t, http.MethodGet, c.url+"/incidents/"+muted.ID, "")
		for _, want := range []string{"maintenance window " + win.ID, "vendor swaps the cassette", `href="/maintenance"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the incident page lacks %q", want)
			}
		}
	})
	t.Run("deleting the window posts the still failing ATM's incident", func(t *testing.T) {
		if code, body := asOps(t, http.MethodDelete, c.url+"/api/v1/maintenance/"+win.ID, ""); code != http.StatusOK {
			t.Fatalf("deleting the window answered %d: %s", code, body)
		}
		waitFor(t, "atm-02's incident posted", func() bool {
			for _, m := range roots(c.messages("#branches")) {
				if strings.Contains(m.Text, "atm-02") {
					return true
				}
			}
			return false
		})
	})
}
