package readiness

import (
	"testing"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Rules.For picks the version in force by each day's deadline. The London
// fixture opens 09:00 on weekdays with the deadline at 08:45; Tuesday
// 2026-11-24 is the reference day (at() gives its times).
func TestTheVersionInForceIsTheOneThatTookEffectByTheDeadline(t *testing.T) {
	first, cal := fixture(t)
	mk := func(name string) *result.Descriptor { d := *first; d.Name, d.Calendar = name, cal.Spec(); return &d }
	tests := []struct {
		name      string
		effective string // when the second version took effect, on the Tuesday
		date      string
		want      string
	}{
		{name: "a change before the deadline judges that day", effective: "08:40", date: "2026-11-24", want: "second"},
		{name: "a change exactly at the deadline judges that day", effective: "08:45", date: "2026-11-24", want: "second"},
		{name: "a change after the deadline waits for the next day", effective: "08:50", date: "2026-11-24", want: "first"},
		{name: "the next day is judged by the change", effective: "08:50", date: "2026-11-25", want: "second"},
		{name: "an earlier day keeps the first version", effective: "08:40", date: "2026-11-23", want: "first"},
		{name: "a closed day before the change keeps the first version", effective: "08:40", date: "2026-11-22", want: "first"},
		{name: "a closed day after the change takes it", effective: "08:50", date: "2026-11-28", want: "second"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := NewRules(nil, []store.DescriptorVersion{
				{Descriptor: mk("first")},
				{EffectiveAt: at(tc.effective), Descriptor: mk("second")},
			})
			if err != nil {
				t.Fatal(err)
			}
			d, _, err := rules.For(tc.date)
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != tc.want {
				t.Errorf("%s is judged by the %s version, want the %s", tc.date, d.Name, tc.want)
			}
		})
	}
}
