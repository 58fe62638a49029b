package render

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomData draws an incident from the values that steer the shipped
// templates (events, states, kinds, phases, who acted, durations around
// the hour and minute roundings, names with spaces a trim would eat).
func randomData(rng *rand.Rand) Data {
	pick := func(ss ...string) string { return ss[rng.IntN(len(ss))] }
	durs := []time.Duration{0, 29 * time.Second, 30 * time.Second, 59*time.Minute + 30*time.Second, time.Hour, 61 * time.Minute,
		25*time.Hour + 7*time.Minute, -5 * time.Minute, -90 * time.Minute, 18 * time.Minute}
	dur := func() time.Duration { return durs[rng.IntN(len(durs))] }
	d := Sample()
	d.Event = pick("opened", "reminder", "escalated", "acknowledged", "unacknowledged", "snoozed", "resolved", "other")
	d.State = pick("firing", "acknowledged", "resolved")
	d.Kind = pick("check", "branch_unreachable", "agent_silent")
	d.Branch = pick("lon-01", " b 2 ", "")
	d.BranchName = pick("London Bridge", " 北京 ", "", "a<b>&c")
	d.Device, d.Check = pick("atm-02", "", " x "), pick("reachable", "", "tls")
	d.Reason = pick("", "connection refused", " trailing\n")
	d.Since, d.For = pick("08:12", "2026-11-25 23:59", ""), dur()
	d.Deadline = Deadline{Phase: pick("before", "passed", "closed", ""), At: pick("08:45", ""), Opening: pick("09:00", ""), Left: dur()}
	d.PerHour = []float64{0, 38.1, 0.4, 0.5, 2.5, -3, 1e9}[rng.IntN(7)]
	d.Remedy = pick("", "Power-cycle it.", "  ")
	d.Link = pick("", "https://branchready.example/branches/lon-01")
	d.AckedBy, d.AckedAt = pick("", "amy"), pick("", "08:31")
	d.SnoozedBy, d.SnoozedUntil = pick("", "bob"), pick("", "09:01")
	d.EscalatedTo, d.Step = pick("", "branch", "region", "operations"), dur()
	d.Silent, d.Checks, d.Lasted = dur(), rng.IntN(30), dur()
	return d
}

func TestGoWordsMatchTheShippedTemplates(t *testing.T) {
	r, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 800
	if testing.Short() {
		n = 100
	}
	for _, locale := range Shipped() {
		t.Run("the "+locale+" message and reply read exactly as the templates write them", func(t *testing.T) {
			set, words := r.sets[locale], natives[locale]
			rng := rand.New(rand.NewPCG(1, uint64(len(locale))))
			for i := range n {
				d := randomData(rng)
				want, err := render(set, d)
				if err != nil {
					t.Fatalf("case %d: template: %v", i, err)
				}
				if got := words.render(&d); !reflect.DeepEqual(got, want) {
					t.Fatalf("case %d %+v:\n got %q\nwant %q", i, d, got, want)
				}
				var b bytes.Buffer
				if err := set.ExecuteTemplate(&b, "reply", d); err != nil {
					t.Fatalf("case %d: reply template: %v", i, err)
				}
				if got, want := strings.TrimSpace(words.reply(&d)), strings.TrimSpace(b.String()); got != want {
					t.Fatalf("case %d %+v: reply\n got %q\nwant %q", i, d, got, want)
				}
			}
		})
	}
}

func TestOverriddenLocalesRenderThroughTemplates(t *testing.T) {
	r, err := New(map[string][]byte{"zh-CN": []byte(`{{define "label.status"}}状况{{end}}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, locale string
		native       bool
	}{
		{"an untouched shipped locale is written in Go", "en", true},
		{"an unknown locale falls back to English written in Go", "fr", true},
		{"an overridden locale is rendered by its templates", "zh-CN", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := tc.locale
			if _, ok := r.sets[set]; !ok {
				set = r.fallback
			}
			if got := r.native[set] != nil; got != tc.native {
				t.Errorf("written in Go: %v, want %v", got, tc.native)
			}
			got := r.Render(tc.locale, Sample())
			if want := fmt.Sprint(tc.locale == "zh-CN"); fmt.Sprint(got.Fields[0].Label == "状况") != want {
				t.Errorf("status label %q", got.Fields[0].Label)
			}
		})
	}
}
