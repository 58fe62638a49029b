package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// FuzzEncodeHealth holds EncodeHealth to encoding/json: the same text, or
// the same refusal.
func FuzzEncodeHealth(f *testing.F) {
	f.Add(3, uint64(0), 0, int64(1795939200), int64(0), 0, false, "", uint64(0)) // a wave's heartbeat
	f.Add(0, uint64(7), 2, int64(1795939200), int64(123456789), 3600, true, "spool_full", uint64(7))
	f.Add(-1, uint64(1<<63), -5, int64(0), int64(0), 0, false, "", uint64(0))            // the zero time is left out
	f.Add(1, uint64(1), 1, int64(253402300800), int64(0), 0, true, "", uint64(0))        // year 10000: refused
	f.Add(1, uint64(1), 1, int64(-62135596801), int64(999), -30, true, "", uint64(0))    // year 0
	f.Add(1, uint64(1), 1, int64(1795939200), int64(5), 24*3600+60, true, "", uint64(0)) // an offset of a day
	f.Fuzz(func(t *testing.T, spool int, dropped uint64, held int, sec, nsec int64, offset int, ready bool, reason string, n uint64) {
		h := &result.Health{SpoolDepth: spool, Dropped: dropped, Held: held, LastSweepReady: ready}
		if sec != 0 || nsec != 0 {
			h.LastSweep = time.Unix(sec, nsec).In(time.FixedZone("z", offset))
		}
		if reason != "" {
			h.DroppedByReason = map[string]uint64{reason: n}
		}
		got, err := EncodeHealth(h)
		want, werr := json.Marshal(h)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%+v: error %v, encoding/json's %v", h, err, werr)
		}
		if err == nil && *got != string(want) {
			t.Fatalf("%+v:\nwrote         %s\nencoding/json %s", h, *got, want)
		}
	})
}

func TestEncodeHealthOfNoneIsNull(t *testing.T) {
	if s, err := EncodeHealth(nil); s != nil || err != nil {
		t.Fatalf("EncodeHealth(nil) = %v, %v; want nil", s, err)
	}
}

func BenchmarkEncodeHealth(b *testing.B) {
	h := &result.Health{SpoolDepth: 20, LastSweep: time.Date(2026, 11, 24, 8, 1, 0, 500, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeHealth(h); err != nil {
			b.Fatal(err)
		}
	}
}
