package ingest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// BenchmarkParseWave is the decode of one wave batch alone (20 results,
// expanded JSON, no HTTP, no gzip): with the branch's descriptor, as an
// agent's first batch after a start carries it, and without, as the later
// rounds of a wave do.
//
//	go test -run '^$' -bench ParseWave -benchmem -count 5 ./collector/ingest/
func BenchmarkParseWave(b *testing.B) {
	for _, desc := range []bool{true, false} {
		b.Run(fmt.Sprintf("descriptor=%v", desc), func(b *testing.B) {
			body := waveJSON(b, "wave-00001", time.Now().UTC(), desc)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				_, n, err := parse(body, DefaultMaxResults, nil)
				if err != nil || n != waveChecks {
					b.Fatalf("parse: %d results, %v", n, err)
				}
			}
			// CPU per op (GC included): the wall time means little on a shared machine.
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// waveJSON is branch's wave batch as the agent encodes it, before gzip.
func waveJSON(b *testing.B, branch string, now time.Time, withDescriptor bool) []byte {
	desc := waveDescriptor(branch)
	batch := result.Batch{Branch: branch, Agent: result.Agent{Version: "1.4.0", ConfigHash: "sha256:0f3a9c" + branch, SentAt: now,
		Health: &result.Health{SpoolDepth: waveChecks, LastSweep: now}}}
	if withDescriptor {
		batch.Descriptor = desc
	}
	for j := range waveChecks {
		r := result.Result{ID: result.NewID(), Branch: branch, Device: desc.Devices[j/2].ID, Check: desc.Devices[j/2].Checks[j%2].Name,
			Kind: desc.Devices[j/2].Checks[j%2].Kind, Status: result.StatusOK, StartedAt: now.Add(-time.Duration(waveChecks-j) * time.Second),
			DurationMS: 3.25, Reason: "10.20.30.40:443 answers (connect 3ms)", Observations: map[string]float64{"latency_seconds": 0.00325},
			Sweep: "pre-opening-1", AgentVersion: "1.4.0"}
		if j%10 == 3 {
			r.Status, r.Reason = result.StatusFail, "10.20.30.41:443 refused the connection"
		}
		batch.Results = append(batch.Results, r)
	}
	body, err := json.Marshal(&batch)
	if err != nil {
		b.Fatal(err)
	}
	return body
}
