package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/storetest"
	"github.com/branchready/branchready/result"
)

// The writer benchmarks run on a database that already holds earlier
// sweeps, as a collector's does in the morning: benchBranches branches,
// benchSeeded sweeps of 20 results each.
const (
	benchBranches = 5000
	benchSeeded   = 4
	benchDevices  = 20
	// benchGroup is how many requests one group commit takes: 64 agents post
	// at once in the loadgen wave.
	benchGroup = 64
)

// benchSweep is when sweep n of the benchmarks starts.
func benchSweep(n int) time.Time { return benchStart.Add(time.Duration(n) * 24 * time.Hour) }

// seededWriter returns a writer (with its checkpointer, no goroutine running
// it) on a database holding benchSeeded sweeps of benchBranches branches.
func seededWriter(b *testing.B) (*writer, string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "seeded.db")
	db, err := openWriterDB(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	ms, _ := loadMigrations(migrationFiles, "migrations")
	if err := migrate(context.Background(), db, ms); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	w, err := newWriter(db, log)
	if err != nil {
		b.Fatal(err)
	}
	if w.cp, err = newCheckpointer(path, log); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = w.cp.close(); _ = w.close() })
	seed(b, db)
	return w, path
}

// seed stores benchSeeded sweeps of benchBranches branches, a chunk each
// as the writer stores them, and their contacts, in one transaction, so
// that seeding takes seconds.
func seed(b *testing.B, db *sql.DB) {
	b.Helper()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for sweep := range benchSeeded {
		at := benchSweep(sweep)
		for br := range benchBranches {
			for _, p := range encodeParts(storetest.CapacityResults(at, br, 1, benchDevices)) {
				if _, err := tx.Exec(insertChunkSQL, p.branch, p.first, p.last, at.Add(time.Second).UnixNano(), len(p.rs), p.body); err != nil {
					b.Fatalf("seed results: %v", err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatalf("seed results: %v", err)
	}
	const contacts = `INSERT INTO branch_contacts (id, contact_at, agent_version, config_hash, clock_skew_ns)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
SELECT printf('branch-%05d', i), ?2, '1.4.2', 'sha256:0f3a9c', 0 FROM n`
	const descriptors = `INSERT INTO branches (id, descriptor)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
SELECT printf('branch-%05d', i), ?2 FROM n`
	desc, err := json.Marshal(wideDescriptor())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(contacts, benchBranches, benchSweep(benchSeeded-1).UnixNano()); err != nil {
		b.Fatalf("seed contacts: %v", err)
	}
	if _, err := db.Exec(descriptors, benchBranches, string(desc)); err != nil {
		b.Fatalf("seed branches: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO descriptor_history (branch, effective_at, descriptor) SELECT id, 0, descriptor FROM branches`); err != nil {
		b.Fatalf("seed descriptor history: %v", err)
	}
}

// wideDescriptor is a branch of 17 devices and 20 checks, as the loadgen's
// (about 2.5 kB of JSON), as the branches table holds in a wave.
func wideDescriptor() *result.Descriptor {
	d := &result.Descriptor{Name: "Rivoli", Region: "Paris", Calendar: calendar.Spec{Timezone: "Europe/Paris",
		Hours: calendar.Week{Mon: "09:00-17:30", Tue: "09:00-17:30", Wed: "09:00-17:30", Thu: "09:00-17:30", Fri: "09:00-17:30", Sat: "09:00-12:00"}}}
	for i := range 17 {
		d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("device-%02d", i), Kind: "atm", Criticality: result.Blocking,
			TransactionsPerDay: 300, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
	}
	for i := range 3 {
		d.Devices[i].Checks = append(d.Devices[i].Checks, result.CheckRef{Name: "xfs-status", Kind: "http"})
	}
	return d
}

// commitSweep commits, as one group, the requests of n branches from first
// for one sweep: each branch's results and its contact, as WriteBatch makes them.
func commitSweep(b *testing.B, w *writer, sweep, first, n int) {
	b.Helper()
	commitSweepWith(b, w, sweep, first, n, nil)
}

// commitSweepWith is commitSweep with d as every branch's descriptor.
func commitSweepWith(b *testing.B, w *writer, sweep, first, n int, d *result.Descriptor) {
	b.Helper()
	at := benchSweep(sweep)
	group := make([]*request, n)
	for i := range group {
		rs := storetest.CapacityResults(at, first+i, 1, benchDevices)
		req := &request{ctx: context.Background(), rows: len(rs) + 1, reply: make(chan reply, 1), parts: encodeParts(rs), received: at.UnixNano()}
		c := store.Contact{At: at, AgentVersion: "1.4.2", ConfigHash: "sha256:0f3a9c", Health: &result.Health{SpoolDepth: benchDevices, LastSweep: at}}
		if err := req.setBranch(fmt.Sprintf("branch-%05d", first+i), d, c); err != nil {
			b.Fatal(err)
		}
		group[i] = req
	}
	w.commit(group)
	for _, req := range group {
		if r := <-req.reply; r.err != nil || r.n != benchDevices {
			b.Fatalf("reply = %d, %v; want %d stored", r.n, r.err, benchDevices)
		}
	}
}

// BenchmarkWriterSweep is the writer alone storing a sweep of new results
// on a seeded database: one op is one branch's request (20 results and its
// contact, encoded as WriteBatch does), committed in groups of benchGroup
// from one goroutine, so the figure leaves out the callers' scheduling.
// cpu-s/400k is the process's CPU (writer, checkpointer, GC) per 400,000
// results; writer-cpu-s/400k the CPU of the writer's own work alone (its
// goroutine is locked to its thread), less disturbed by other processes.
//
//	go test -run '^$' -bench WriterSweep -benchtime 5000x ./collector/store/sqlite/
func BenchmarkWriterSweep(b *testing.B) {
	w, _ := seededWriter(b)
	benchWriterSweep(b, w, benchGroup)
}

// BenchmarkWriterSweepRestarted is BenchmarkWriterSweep with every
// request carrying its branch's stored descriptor, as the first wave after
// a collector's restart: the writer no longer knows which descriptors it
// stored, and each is compared with the stored one.
//
//	go test -run '^$' -bench WriterSweepRestarted -benchtime 5000x ./collector/store/sqlite/
func BenchmarkWriterSweepRestarted(b *testing.B) {
	w, _ := seededWriter(b)
	benchWriterSweepWith(b, w, benchGroup, wideDescriptor())
}

// BenchmarkWriterSweepWarm is BenchmarkWriterSweep by a writer that
// remembers every branch's latest chunks, as one that stored the previous
// sweeps does (BenchmarkWriterSweep's writer reads them from the database
// on each branch's first write, as after a restart).
//
//	go test -run '^$' -bench WriterSweepWarm -benchtime 5000x ./collector/store/sqlite/
func BenchmarkWriterSweepWarm(b *testing.B) {
	benchWriterSweep(b, warmWriter(b), benchGroup)
}

// warmWriter is seededWriter's writer after it read every branch's
// latest chunks, as one that stored the previous sweeps remembers them.
func warmWriter(b *testing.B) *writer {
	b.Helper()
	w, _ := seededWriter(b)
	tx, err := w.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchBranches {
		if _, err := w.recentOf(context.Background(), tx, fmt.Sprintf("branch-%05d", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Rollback(); err != nil {
		b.Fatal(err)
	}
	return w
}

// BenchmarkWriterSmallGroups is BenchmarkWriterSweepWarm committed in
// groups of 16 requests, the average group of a 2,000-branch loadgen wave
// (64 agents), where each commit's own cost weighs more, with the
// writer's page cache at the size the store opens it with and at smaller
// sizes.
//
//	go test -run '^$' -bench WriterSmallGroups -benchtime 5000x ./collector/store/sqlite/
func BenchmarkWriterSmallGroups(b *testing.B) {
	for _, kib := range []int{65536, 16384, 8192} {
		b.Run(fmt.Sprintf("cache=%dMiB", kib/1024), func(b *testing.B) {
			w := warmWriter(b)
			if _, err := w.db.Exec(fmt.Sprintf("PRAGMA cache_size = -%d", kib)); err != nil {
				b.Fatal(err)
			}
			benchWriterSweep(b, w, 16)
		})
	}
}

func benchWriterSweep(b *testing.B, w *writer, group int) {
	benchWriterSweepWith(b, w, group, nil)
}

// benchWriterSweepWith is benchWriterSweep with d as every branch's
// descriptor.
func benchWriterSweepWith(b *testing.B, w *writer, group int, d *result.Descriptor) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu, own := processCPU(), threadCPU()
	b.ResetTimer()
	for done := 0; done < b.N; done += group {
		n := min(group, b.N-done)
		sweep, first := benchSeeded+done/benchBranches, done%benchBranches
		commitSweepWith(b, w, sweep, first, min(n, benchBranches-first), d)
	}
	b.StopTimer()
	b.ReportMetric((processCPU()-cpu).Seconds()*400000/float64(b.N*benchDevices), "cpu-s/400k")
	b.ReportMetric((threadCPU()-own).Seconds()*400000/float64(b.N*benchDevices), "writer-cpu-s/400k")
}

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkResultsOfSeeded reads the last sweep of 500 branches at once,
// as the readiness engine judges branches, from the seeded database. One
// op is one read of 10,000 results.
//
//	go test -run '^$' -bench ResultsOfSeeded -benchtime 20x ./collector/store/sqlite/
func BenchmarkResultsOfSeeded(b *testing.B) {
	w, path := seededWriter(b)
	rdb, err := openReaderDB(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	s := &Store{rdb: rdb, w: w}
	ids := make([]string, 500)
	for i := range ids {
		ids[i] = fmt.Sprintf("branch-%05d", i*benchBranches/len(ids))
	}
	from := benchSweep(benchSeeded - 1)
	b.ResetTimer()
	for range b.N {
		got, err := s.ResultsOf(context.Background(), ids, from, from.Add(time.Hour))
		if err != nil || len(got) != len(ids) {
			b.Fatalf("ResultsOf = %d branches, %v; want %d", len(got), err, len(ids))
		}
	}
}
