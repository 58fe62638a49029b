package chunk

import (
	"fmt"
	"testing"
	"time"
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
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Encode(rs)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(enc, "nyc-5th"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode_shared", func(b *testing.B) {
		var d Decoder
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.AppendDecoded(nil, enc, "nyc-5th", time.Time{}, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ids", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := EachID(enc, func([]byte) {}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
