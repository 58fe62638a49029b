package alerting

import (
	"testing"
	"time"
)

func TestATickWaitsForQueuedResultsButNotLongerThanAPeriod(t *testing.T) {
	const period = 20 * time.Second
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		steps func(d *tickDue) []bool
		want  []bool
	}{
		{"a tick with nothing queued runs at once", func(d *tickDue) []bool {
			return []bool{d.arrive(t0, 0, period), d.due(t0.Add(time.Second), 0, period)}
		}, []bool{true, false}},
		{"a tick with results queued waits until the queue is empty, then runs once", func(d *tickDue) []bool {
			return []bool{d.arrive(t0, 5, period), d.due(t0.Add(time.Second), 3, period),
				d.due(t0.Add(2*time.Second), 0, period), d.due(t0.Add(3*time.Second), 0, period)}
		}, []bool{false, false, true, false}},
		{"a tick deferred for a whole period runs even with results queued", func(d *tickDue) []bool {
			return []bool{d.arrive(t0, 5, period), d.due(t0.Add(period-time.Second), 5, period), d.due(t0.Add(period), 5, period)}
		}, []bool{false, false, true}},
		{"the ticker firing again while a tick waits does not restart its wait", func(d *tickDue) []bool {
			return []bool{d.arrive(t0, 5, period), d.arrive(t0.Add(period/2), 5, period), d.due(t0.Add(period), 5, period)}
		}, []bool{false, false, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d tickDue
			got := c.steps(&d)
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Fatalf("tick now at each step = %v, want %v", got, c.want)
				}
			}
		})
	}
}
