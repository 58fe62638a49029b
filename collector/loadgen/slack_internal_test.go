package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/slack"
)

// waveMessage is a wave's incident message as the collector words it.
func waveMessage(branch string, round int) notify.Message {
	text := "Branch " + branch + " (" + branch + "): dev-1 check-2 failing\ncannot connect: connection refused (wave round " +
		strconv.Itoa(round) + ")\nStatus: Firing\nSince: 07:12 (0 min ago)"
	return notify.Message{IncidentID: "inc-" + branch, Notifier: "slack", Target: "#" + branch, Op: notify.Post, Event: "opened",
		Severity: "critical", State: "firing", Title: "Branch " + branch + " (" + branch + "): dev-1 check-2 failing",
		Text: text, DeliveryID: "d-" + branch,
		Fields: []notify.Field{{Label: "Status", Value: "Firing"}, {Label: "Since", Value: "07:12 (0 min ago)"}},
		Button: []notify.Button{{Action: notify.Ack, Label: "Acknowledge", Value: "ack:inc"}, {Action: notify.Snooze, Label: "Snooze 30 min", Value: "snooze:inc"}}}
}

// capture is an HTTP client transport that keeps the last request's body
// and answers as Slack does a post.
type capture struct{ body []byte }

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.body = body
	rec := httptest.NewRecorder()
	rec.WriteString(`{"ok":true,"channel":"C1","ts":"1.000001"}`)
	return rec.Result(), nil
}

// formOf returns the form the notifier sends for m.
func formOf(t testing.TB, m notify.Message) []byte {
	c := &capture{}
	n := slack.New(slack.Options{Token: slackToken, APIURL: "http://slack.test/api/", HTTPClient: &http.Client{Transport: c}})
	if _, err := n.Notify(t.Context(), notify.Receipt{}, m); err != nil {
		t.Fatal(err)
	}
	return c.body
}

// The fake Slack's work for one incident message of a wave, behind its
// HTTP server: noting it and answering it.
func BenchmarkFakeSlackPost(b *testing.B) {
	s := newFakeSlack()
	h := s.fake.Handler()
	body := string(formOf(b, waveMessage("b00001", 1)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/api/chat.postMessage", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
	if len(s.got) != 1 || s.dups != b.N-1 {
		b.Fatalf("noted %d messages, %d duplicates", len(s.got), s.dups)
	}
}

// oldTitleRE is how the load generator read incident messages before
// incidentOf: incidentOf must never read a text otherwise.
var oldTitleRE = regexp.MustCompile(`\((\S+)\): (\S+) (\S+) failing\n(?s:.*)\(wave round (\d+)\)`)

func TestIncidentOfReadsTheWaveMessages(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       incidentKey
		ok         bool
	}{
		{"a wave's message names its branch, check and round", waveMessage("b00042", 3).Text, incidentKey{"b00042", "dev-1", "check-2", 3}, true},
		{"the last round mark counts", "X (b1): d c failing\n(wave round 2) then (wave round 12)", incidentKey{"b1", "d", "c", 12}, true},
		{"a resolved message is not an incident's", "X (b1): d c resolved\n(wave round 2)", incidentKey{}, false},
		{"a message without a round is not the wave's", "X (b1): d c failing\ncannot connect", incidentKey{}, false},
		{"a round must be digits", "X (b1): d c failing\n(wave round +2)", incidentKey{}, false},
		{"a title alone is not enough", "X (b1): d c failing", incidentKey{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := incidentOf(tc.text)
			if got != tc.want || ok != tc.ok {
				t.Errorf("incidentOf(%q) = %v, %v; want %v, %v", tc.text, got, ok, tc.want, tc.ok)
			}
			if m := oldTitleRE.FindStringSubmatch(tc.text); (m != nil) != tc.ok {
				t.Errorf("the old reader disagrees about %q: %q", tc.text, m)
			}
		})
	}
}

// FuzzIncidentOf checks that incidentOf reads nothing the old regular
// expression did not read alike. Seeds: the shipped templates' texts
// (alerts/render golden files) with a round mark, and a wave's message.
func FuzzIncidentOf(f *testing.F) {
	f.Add(waveMessage("b00001", 1).Text)
	for _, name := range []string{"en", "zh-CN", "override"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "alerts", "render", "testdata", name+".golden"))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if text, ok := strings.CutPrefix(line, "text: "); ok {
				if u, err := strconv.Unquote(text); err == nil {
					f.Add(u)
					f.Add(u + " (wave round 7)")
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		k, ok := incidentOf(text)
		if !ok {
			return
		}
		m := oldTitleRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("incidentOf read %v from %q, the old reader nothing", k, text)
		}
		round, _ := strconv.Atoi(m[4])
		if old := (incidentKey{m[1], m[2], m[3], round}); old != k {
			t.Fatalf("incidentOf read %v from %q, the old reader %v", k, text, old)
		}
	})
}
