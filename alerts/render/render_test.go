package render_test

import (
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/render"
)

func TestShippedTemplatesSayWhatImpactAndWhatToDo(t *testing.T) {
	r, err := render.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		locale string
		want   []string
	}{
		{"en", []string{"London Bridge (lon-01): atm-02 reachable failing", "about 38 customers an hour go to the counter while atm-02 is down",
			"15 min left until the readiness deadline at 08:45", "What to do: Power-cycle", "Since: 08:12 (18 min ago)", "https://branchready.example/branches/lon-01"}},
		{"zh-CN", []string{"London Bridge（lon-01）：atm-02 的 reachable 检查失败", "每小时约有 38 位客户转到柜台", "还有 15 分钟", "处理办法：Power-cycle"}},
	} {
		t.Run("the "+tc.locale+" message names the device, the impact, the deadline and the remedy", func(t *testing.T) {
			d := render.Sample()
			d.AckedBy = ""
			got := r.Render(tc.locale, d)
			for _, w := range tc.want {
				if !strings.Contains(got.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, got.Text)
				}
			}
			if len(got.Fields) != 5 || got.AckLabel == "" || got.SnoozeLabel == "" {
				t.Errorf("fields %v, buttons %q %q", got.Fields, got.AckLabel, got.SnoozeLabel)
			}
		})
	}
}

func TestRepliesNameTheEvent(t *testing.T) {
	r, err := render.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, event string
		step        time.Duration
		want        string
	}{
		{"a reminder says how long it has failed", "reminder", 0, "Still failing after 18 min"},
		{"an escalation before the deadline says how long before", "escalated", 15 * time.Minute, "Still not ready 15 min before the readiness deadline (08:45): escalated to the region."},
		{"an escalation at the deadline says so", "escalated", 0, "Still not ready at the readiness deadline (08:45)"},
		{"a resolution says how long it lasted", "resolved", 0, "Resolved after 42 min."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := render.Sample()
			d.Event, d.Step = tc.event, tc.step
			if got := r.Reply("en", d); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	t.Run("an override replaces only the templates it defines", func(t *testing.T) {
		r, err := render.New(map[string][]byte{"en": []byte(`{{define "button.ack"}}On it{{end}}`)})
		if err != nil {
			t.Fatal(err)
		}
		got := r.Render("en", render.Sample())
		if got.AckLabel != "On it" || !strings.Contains(got.Title, "atm-02") {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("a new locale starts from English", func(t *testing.T) {
		r, err := render.New(map[string][]byte{"fr": []byte(`{{define "button.ack"}}Je m'en occupe{{end}}`)})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Render("fr", render.Sample()); got.AckLabel != "Je m'en occupe" || got.SnoozeLabel != "Snooze 30 min" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("a template naming an unknown field is refused at start-up", func(t *testing.T) {
		_, err := render.New(map[string][]byte{"en": []byte(`{{define "title"}}{{.Nope}}{{end}}`)})
		if err == nil || !strings.Contains(err.Error(), "Nope") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a template that does not parse is refused", func(t *testing.T) {
		if _, err := render.New(map[string][]byte{"en": []byte(`{{define "title"}}{{if}}{{end}}`)}); err == nil {
			t.Error("no error")
		}
	})
}
