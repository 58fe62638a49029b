package outbox

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	a, b := route{"slack", "#a"}, route{"slack", "#b"}
	p := newPacer()
	for _, c := range []struct {
		name string
		step func()
		k    route
		at   time.Time
		want time.Duration
	}{
		{"an idle route sends at once", func() {}, a, t0, 0},
		{"a route waits a pace after a send", func() { p.sent(a, t0, time.Second) }, a, t0.Add(300 * time.Millisecond), 700 * time.Millisecond},
		{"another route is not held back", func() {}, b, t0, 0},
		{"a hold for Retry-After outlasts the pace", func() { p.hold(a, t0.Add(30*time.Second)) }, a, t0.Add(time.Second), 29 * time.Second},
		{"a later send does not shorten a hold", func() { p.sent(a, t0.Add(2*time.Second), time.Second) }, a, t0.Add(2 * time.Second), 28 * time.Second},
		{"the route is free once the hold ends", func() {}, a, t0.Add(30 * time.Second), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.step()
			if got := p.wait(c.k, c.at); got != c.want {
				t.Errorf("wait = %v, want %v", got, c.want)
			}
		})
	}
}
