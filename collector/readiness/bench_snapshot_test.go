package readiness

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSnapshot20000 times making a snapshot of 20,000 branches in 40
// regions afresh ("new": a start, or branches joining) and from the last
// one with 20 branches judged again ("update": a refresh during a wave).
// Run:
//
//	go test -run '^$' -bench Snapshot20000 -count 5 ./collector/readiness
func BenchmarkSnapshot20000(b *testing.B) {
	nine := at("09:00")
	var entries []*entry
	for i := range 20000 {
		en := &entry{until: nine.Add(time.Duration(i%120) * time.Minute)}
		en.status.ID, en.status.Region = fmt.Sprintf("b%05d", i), fmt.Sprintf("r%02d", i%40)
		en.status.Judgement.Verdict = Attention[i%len(Attention)]
		entries = append(entries, en)
	}
	s := newSnapshot(entries, nine)
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			newSnapshot(entries, nine)
		}
	})
	b.Run("update", func(b *testing.B) {
		b.ReportAllocs()
		for k := range b.N {
			next := append([]*entry(nil), entries...)
			changed := make([]int, 0, 20)
			for j := range 20 {
				i := (k*20 + j) % len(next)
				en := *next[i]
				en.status.Judgement.Verdict = Attention[(i+k)%len(Attention)]
				next[i] = &en
				changed = append(changed, i)
			}
			s.update(next, changed, nine)
		}
	})
}
