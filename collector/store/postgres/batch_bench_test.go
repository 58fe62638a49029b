package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// BenchmarkWriteBatch stores requests as ingest does during the
// pre-opening wave: one branch's 20 new results and its contact per call,
// from 8 concurrent callers, on branches that have each sent one request
// before. One op is one request. "with descriptor" sends the branch's
// (unchanged) descriptor with every request, as an agent's first batch
// after a start does; "without descriptor" sends none, as the wave's
// later rounds (and an agent's batches between restarts) do. Besides
// results/s each reports the CPU per result of the PostgreSQL server (all
// its processes) and of this process (the store's client side, plus the
// benchmark making the results), which unlike the wall time hardly depend
// on what else the machine runs.
//
//	uptime; go test -run '^$' -bench WriteBatch -benchtime 1000x -count 3 ./collector/store/postgres/
func BenchmarkWriteBatch(b *testing.B) {
	srv := pgtest.Start(b)
	for _, v := range []struct {
		name   string
		desc   func(id string) *result.Descriptor
		asJSON bool
	}{
		{"with descriptor", benchDescriptor, false},
		{"with descriptor as sent", benchDescriptor, true},
		{"without descriptor", func(string) *result.Descriptor { return nil }, false},
	} {
		b.Run(v.name, func(b *testing.B) { benchWriteBatch(b, srv, v.desc, v.asJSON) })
	}
}

// benchWriteBatch is one variant of BenchmarkWriteBatch, on a database of
// its own.
// asJSON hands the descriptor over as the ingest handler does with this
// store: the agent's JSON and its SHA-256 (WriteBatchJSON), made before
// the timer starts as the handler has them from the request.
func benchWriteBatch(b *testing.B, srv *pgtest.Server, desc func(id string) *result.Descriptor, asJSON bool) {
	const branches, perRequest = 500, 20
	s := open(b, srv.NewDatabase(b))
	defer s.Close()
	ctx := context.Background()
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(7 * time.Hour)
	var seq atomic.Int64
	jsons := make([]string, branches) // the descriptors as agents send them, once warmed up
	request := func(d func(string) *result.Descriptor) error {
		n := seq.Add(1)
		id := fmt.Sprintf("br-%05d", n%branches)
		rs := wave(start.Add(time.Duration(n)*time.Second), perRequest)
		for i := range rs {
			rs[i].Branch = id
		}
		c := store.Contact{At: time.Now(), AgentVersion: "1.2.3", ConfigHash: "sha256:ab12",
			Health: &result.Health{SpoolDepth: int(n % 7)}}
		var ins int
		var err error
		if sent := jsons[n%branches]; asJSON && sent != "" {
			ins, _, err = s.WriteBatchJSON(ctx, id, rs, time.Now(), sent, sha256.Sum256([]byte(sent)), c)
		} else {
			ins, _, err = s.WriteBatch(ctx, id, rs, time.Now(), d(id), c)
		}
		if err == nil && ins != perRequest {
			err = fmt.Errorf("%d of %d results inserted", ins, perRequest)
		}
		return err
	}
	for range branches {
		if err := request(benchDescriptor); err != nil {
			b.Fatal(err)
		}
	}
	for i := range jsons {
		if desc(fmt.Sprintf("br-%05d", i)) != nil {
			jsons[i] = string(must(json.Marshal(desc(fmt.Sprintf("br-%05d", i)))))
		}
	}
	server0, err := srv.CPU()
	if err != nil {
		b.Fatal(err)
	}
	self0 := processCPU()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := request(desc); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	server1, _ := srv.CPU()
	n := float64(b.N * perRequest)
	b.ReportMetric(n/b.Elapsed().Seconds(), "results/s")
	b.ReportMetric(float64((server1-server0).Microseconds())/n, "server-µs/result")
	b.ReportMetric(float64((processCPU()-self0).Microseconds())/n, "client-µs/result")
}

// benchDescriptor is a branch of 10 devices with 2 checks each, about
// 2 KiB of JSON like the load generator's.
func benchDescriptor(id string) *result.Descriptor {
	hours := "08:30-18:00"
	d := &result.Descriptor{Name: "Branch " + id, Region: "north", Calendar: calendar.Spec{Timezone: "Europe/Paris",
		Lead: 15 * time.Minute, RetryInterval: 5 * time.Minute, BusinessInterval: 15 * time.Minute,
		Hours: calendar.Week{Mon: hours, Tue: hours, Wed: hours, Thu: hours, Fri: hours, Sat: "closed", Sun: "closed"}}}
	for i := range 10 {
		d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("dev-%02d", i), Kind: "atm", Criticality: result.Blocking,
			TransactionsPerDay: 300, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}, {Name: "xfs-status", Kind: "http"}}})
	}
	return d
}

// processCPU is this process's user and system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
