package readiness

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// BenchmarkHeldGC20000 measures what the engine's held results cost the
// garbage collector after three waves of a 20,000-branch bank (20 checks
// a branch, so 1.2 million results held, as at the end of the load
// generator's three rounds): the live heap they keep ("heldMB") and the
// processor time of a full collection with them held ("cpu-ms/gc", the
// marking every cycle repeats; ns/op is its wall time). Run:
//
//	go test -run '^$' -bench HeldGC20000 -benchtime 5x ./collector/readiness
func BenchmarkHeldGC20000(b *testing.B) {
	const branches, checksPer, waves = 20000, 20, 3
	now := at("08:30")
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	e := &Engine{Now: func() time.Time { return now }, HeldBudget: branches * checksPer * waves}
	e.held = make(map[string]*held, branches)
	ids := make([]string, branches)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%05d", i)
		e.held[ids[i]] = &held{}
		e.held[ids[i]].holdWhole(now)
	}
	start := at("07:30").UTC() // ingest's times are UTC
	for w := range waves {
		sweep := fmt.Sprintf("pre_opening-20261124T07%02d00-%06x", 30+w*5, w)
		for i, id := range ids {
			// Strings of their own, as ingest's parse makes them.
			rs := make([]result.Result, checksPer)
			for k := range rs {
				rs[k] = result.Result{ID: fmt.Sprintf("019a%04x-%04x-7000-8000-%012x", w, k, i), Branch: id,
					Device: fmt.Sprintf("dev-%d", k/4), Check: fmt.Sprintf("check-%d", k%4), Kind: "tcp", Status: result.StatusOK,
					StartedAt: start.Add(time.Duration(w)*5*time.Minute + time.Duration(k)*time.Second), Reason: "ok",
					Sweep: sweep}
			}
			e.Handed(id, store.Contact{At: now}, rs, true)
		}
	}
	if n := e.Held(); n != branches*checksPer*waves {
		b.Fatalf("%d results held, want %d", n, branches*checksPer*waves)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	held := float64(ms.HeapAlloc-before) / (1 << 20)
	b.ResetTimer()
	cpu0 := processCPU(b)
	for range b.N {
		runtime.GC()
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/gc")
	b.ReportMetric(held, "heldMB")
	runtime.KeepAlive(e)
}

// processCPU is the processor time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
