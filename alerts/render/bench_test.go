package render_test

import (
	"testing"

	"github.com/branchready/branchready/alerts/render"
)

// The words of one message and of its thread reply, as the engine renders
// them for each message it decides.
func BenchmarkRender(b *testing.B) {
	r, err := render.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, locale := range render.Shipped() {
		b.Run(locale, func(b *testing.B) {
			d := render.Sample()
			b.ReportAllocs()
			for b.Loop() {
				r.Render(locale, d)
				r.Reply(locale, d)
			}
		})
	}
}
