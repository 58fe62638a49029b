package render

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// randomData is an incident with each field drawn from values that take
// the templates' different branches, space and odd characters included.
func randomData(rng *rand.Rand) Data {
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	dur := func() time.Duration { return time.Duration(rng.Int64N(int64(5*time.Hour))) - time.Minute }
	return Data{
		Event: pick("opened", "reminder", "escalated", "acknowledged", "unacknowledged", "snoozed", "resolved", ""),
		State: pick("firing", "acknowledged", "resolved", ""), Severity: pick("critical", "warning", ""),
		Kind: pick("check", "branch_unreachable", "agent_silent", ""), Branch: pick("lon-01", " b ", ""),
		BranchName: pick("London Bridge", "  spaced  ", "<&>", ""), Region: pick("south", ""), Device: pick("atm-02", "", "%d"),
		DeviceKind: pick("atm", ""), Vendor: pick("NCR", ""), Model: pick("x", ""), Check: pick("reachable", ""), CheckKind: pick("tcp", ""),
		Reason: pick("cannot connect", "", "  line\nbreak  ", "100%"), Since: pick("08:12", "2026-01-02 08:12", ""), For: dur(),
		Deadline: Deadline{Phase: pick("before", "passed", "closed", ""), At: pick("08:45", ""), Opening: pick("09:00", ""), Left: dur()},
		PerHour:  []float64{0, 0.4, 0.5, 38.1, 1e9, -2}[rng.IntN(6)], Remedy: pick("", "Power-cycle it.", " "),
		Link: pick("", "https://x.example/b"), AckedBy: pick("", "amy"), AckedAt: pick("", "08:31"),
		SnoozedBy: pick("", "bob"), SnoozedUntil: pick("", "09:30"), EscalatedTo: pick("", "branch", "region", "operations"),
		Step: dur(), Silent: dur(), Checks: rng.IntN(30) - 1, Lasted: dur(),
	}
}

// sets are the shipped locales and an override that uses more of what
// templates may do.
func sets(t *testing.T) map[string]*set {
	t.Helper()
	r, err := New(map[string][]byte{"x-walk": []byte(`
{{define "title"}}{{.For}} {{.Checks}} {{.PerHour}} {{printf "%d|%5.1f|%s" .Checks .PerHour .For}} {{and .Reason .Link}} {{or .AckedBy .Branch "none"}} {{not .AckedBy}}{{end}}
{{define "status"}}{{if eq .Checks 7 8 9}}seven-ish{{else if lt .Checks 3}}few{{else if le .Deadline.Left 600000000000}}soon{{end}} {{eq .Kind "check" "agent_silent"}} {{ge .PerHour 38.1}} {{ne .State .Event}} {{print .Checks "x" 1.5 2 true}}{{end}}
{{define "since"}}{{range $i := fields}}{{$i}}{{if ne $i "since"}}{{$x := include $i $}}{{if $x}}={{$x}};{{end}}{{end}}{{else}}none{{end}}{{$.Branch}}{{end}}
{{define "impact"}}{{template "dur" .Silent}} {{template "level" "operations"}} {{hours .Lasted}}:{{mins .Lasted}} {{0x10}} {{1e2}} {{'a'}} {{true}}{{end}}`)})
	if err != nil {
		t.Fatal(err)
	}
	return r.sets
}

func TestTheWalkerWritesWhatTextTemplateWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	for name, s := range sets(t) {
		t.Run("the walker executes the "+name+" templates as text/template does", func(t *testing.T) {
			if !s.walk {
				t.Fatal("the walker does not take these templates")
			}
			for i := range 100 {
				d := randomData(rng)
				for _, tm := range s.t.Templates() {
					var arg any = &d
					switch tm.Name() {
					case "dur":
						arg = d.For
					case "level":
						arg = d.EscalatedTo
					}
					var want strings.Builder
					werr := tm.Execute(&want, arg)
					var got bytes.Buffer
					gerr := s.execute(&got, tm.Name(), arg)
					if werr != nil {
						if gerr == nil {
							t.Fatalf("case %d %s: text/template fails (%v), the walker wrote %q", i, tm.Name(), werr, got.String())
						}
						continue
					}
					if gerr != nil || got.String() != want.String() {
						t.Fatalf("case %d %s: walker %q (%v)\nwant %q", i, tm.Name(), got.String(), gerr, want.String())
					}
				}
			}
		})
	}
}

func TestTemplatesTheWalkerDoesNotKnowAreLeftToTextTemplate(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		// walked: the walker takes the templates, and gives up on
		// meeting what it does not do.
		walked bool
	}{
		{"with", `{{define "impact"}}{{with .Deadline}}{{.At}}{{end}}{{end}}`, "08:45", false},
		{"len", `{{define "impact"}}{{len .Reason}}{{end}}`, "52", false},
		{"a pipe", `{{define "impact"}}{{.Branch | printf "%q"}}{{end}}`, `"lon-01"`, false},
		{"a method of a duration", `{{define "impact"}}{{.For.Minutes}}{{end}}`, "18", true},
		{"a number as a duration", `{{define "impact"}}{{hours 7200000000000}}{{end}}`, "2", true},
	} {
		t.Run("a template using "+tc.name+" is executed by text/template", func(t *testing.T) {
			r, err := New(map[string][]byte{"en": []byte(tc.src)})
			if err != nil {
				t.Fatal(err)
			}
			if r.sets["en"].walk != tc.walked {
				t.Errorf("walk %v, want %v", r.sets["en"].walk, tc.walked)
			}
			if got := r.Render("en", Sample()); len(got.Fields) < 4 || got.Fields[3].Value != tc.want {
				t.Errorf("fields %v, want impact %q", got.Fields, tc.want)
			}
		})
	}
	t.Run("a comparison text/template refuses fails as text/template fails it", func(t *testing.T) {
		r, err := New(map[string][]byte{"en": []byte(`{{define "impact"}}{{if gt .PerHour 1}}many{{end}}{{end}}`)})
		if err == nil {
			t.Errorf("a float compared with an int was taken: %v", r.Render("en", Sample()).Fields)
		} else if !strings.Contains(err.Error(), "incompatible types for comparison") {
			t.Errorf("err = %v", err)
		}
	})
}

func BenchmarkWalkerAndTextTemplate(b *testing.B) {
	r, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, walk := range []bool{true, false} {
		b.Run(fmt.Sprintf("walk=%v", walk), func(b *testing.B) {
			s := r.sets["en"]
			defer func(w bool) { s.walk = w }(s.walk)
			s.walk = walk
			d := Sample()
			b.ReportAllocs()
			for b.Loop() {
				r.Render("en", d)
				r.Reply("en", d)
			}
		})
	}
}
