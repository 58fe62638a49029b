package chunk

import (
	"fmt"
	"testing"
)

// BenchmarkChunk20 encodes and decodes a wave batch of twenty results, the
// per-batch cost a store adds in place of twenty rows.
func BenchmarkChunk20(b *testing.B) {
	rs := wave()
	for len(rs) < 20 {
		r := rs[len(rs)%4]
		r.ID = fmt.Sprintf("0193a1b2-%04d", len(rs))
		rs = append(rs, r)
	}
	enc := Append(nil, rs)
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, len(enc))
		b.ReportAllocs()
		for b.Loop() {
			buf = Append(buf[:0], rs)
		}
		b.ReportMetric(float64(len(enc)), "bytes/chunk")
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(enc, "nyc-5th"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
