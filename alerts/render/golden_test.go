package render_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/render"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the renderer")

// goldenOverride is an operator's file that overrides a field, a label and
// the text, each using the data, so that the golden files also hold what an
// override renders.
const goldenOverride = `{{define "label.impact"}}Impact on {{.Branch}}{{end}}
{{define "impact"}}  {{.Device}} ({{.DeviceKind}}) down for {{template "dur" .For}}  {{end}}
{{define "status"}}{{.State}}/{{.Event}}{{end}}
{{define "text"}}{{template "title" .}} | {{include "impact" .}} | {{range fields}}[{{include . $}}]{{end}} {{include "dur" .Lasted}}{{end}}
`

// goldenCases are incidents that between them take every branch of the
// shipped templates: each kind, state and deadline phase, with and without
// an acknowledgement, a snooze, an escalation, an impact, a remedy, a
// reason and a link, and long and short durations.
func goldenCases() []render.Data {
	var out []render.Data
	events := []string{"opened", "reminder", "escalated", "acknowledged", "unacknowledged", "snoozed", "resolved"}
	i := 0
	for _, kind := range []string{"check", "branch_unreachable", "agent_silent"} {
		for _, state := range []string{"firing", "acknowledged", "resolved"} {
			for _, phase := range []string{"before", "passed", "closed"} {
				d := render.Sample()
				d.Kind, d.State, d.Deadline.Phase = kind, state, phase
				d.Event = events[i%len(events)]
				if state != "acknowledged" && i%2 == 0 {
					d.AckedBy, d.AckedAt = "", ""
				}
				if i%3 == 0 {
					d.SnoozedBy, d.SnoozedUntil = "bob", "09:30"
				}
				d.EscalatedTo = []string{"", "branch", "region", "operations"}[i%4]
				if i%4 == 1 {
					d.Step = 0
				}
				if i%5 == 0 {
					d.PerHour = 0
				}
				if i%3 == 1 {
					d.Remedy = ""
				}
				if i%7 == 3 {
					d.Reason = ""
				}
				if i%6 == 2 {
					d.Link = ""
				}
				if i%2 == 1 {
					d.For, d.Lasted, d.Silent, d.Deadline.Left = 3*time.Hour+4*time.Minute, 61*time.Minute, 2*time.Hour, 59*time.Second
				}
				if i%8 == 5 {
					d.Reason = "status <b>&amp;</b> \"odd\"\nsecond line"
				}
				out = append(out, d)
				i++
			}
		}
	}
	return out
}

// TestRenderedBytesMatchTheGoldenFiles holds every message and reply the
// renderer writes for goldenCases to testdata/*.golden, so that a change
// to how templates are executed cannot change a byte a user reads. Run
// with -update after a deliberate change of wording.
func TestRenderedBytesMatchTheGoldenFiles(t *testing.T) {
	for _, tc := range []struct {
		name, locale string
		overrides    map[string][]byte
	}{
		{"en", "en", nil},
		{"zh-CN", "zh-CN", nil},
		{"override", "en", map[string][]byte{"en": []byte(goldenOverride)}},
	} {
		t.Run("the "+tc.name+" messages are byte for byte the golden ones", func(t *testing.T) {
			r, err := render.New(tc.overrides)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for i, d := range goldenCases() {
				got := r.Render(tc.locale, d)
				fmt.Fprintf(&b, "=== case %d: %s %s %s %s\n", i, d.Kind, d.State, d.Deadline.Phase, d.Event)
				fmt.Fprintf(&b, "title: %q\ntext: %q\n", got.Title, got.Text)
				for _, f := range got.Fields {
					fmt.Fprintf(&b, "field: %q = %q\n", f.Label, f.Value)
				}
				fmt.Fprintf(&b, "buttons: %q %q\nreply: %q\n", got.AckLabel, got.SnoozeLabel, r.Reply(tc.locale, d))
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("rendered messages differ from %s:\n%s", path, firstDiff(b.String(), string(want)))
			}
		})
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want string) string {
	gl, wl := bytes.Split([]byte(got), []byte("\n")), bytes.Split([]byte(want), []byte("\n"))
	for i := range max(len(gl), len(wl)) {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			return fmt.Sprintf("line %d\n got: %s\nwant: %s", i+1, g, w)
		}
	}
	return "(no line differs)"
}
