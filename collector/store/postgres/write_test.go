package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestCopyWrittenMeanwhile: two collectors writing the same branch at
// once store a result once. The other collector's transaction holds the
// branch's lock and has written a chunk with a copy of one of the batch's
// results, not yet committed; the write waits for the lock, then finds the
// copy (a chunk whose spans meet the batch's), decodes it and leaves the
// copy out, counted as a duplicate.
func TestCopyWrittenMeanwhile(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	rs := func(branch string) []result.Result {
		out := make([]result.Result, 3)
		for i := range out {
			out[i] = result.Result{ID: fmt.Sprintf("%s-r%d", branch, i), Branch: branch, Device: "atm-01", Check: "reachable",
				Kind: "tcp", Status: result.StatusOK, StartedAt: at.Add(time.Duration(i) * time.Second),
				Sweep: "pre-opening-1", AgentVersion: "1.2.3"}
		}
		return out
	}
	for _, w := range []struct {
		name  string
		write func(*Store, []result.Result) (int, int, error)
	}{
		{"a group writer leaves the copy out", func(s *Store, rs []result.Result) (int, int, error) {
			return s.WriteBatch(ctx, rs[0].Branch, rs, at, nil, store.Contact{At: at, AgentVersion: "1.2.3"})
		}},
		{"WriteResults leaves the copy out", func(s *Store, rs []result.Result) (int, int, error) {
			return s.WriteResults(ctx, rs, at)
		}},
	} {
		t.Run(w.name, func(t *testing.T) {
			dsn := srv.NewDatabase(t)
			s := open(t, dsn)
			t.Cleanup(func() { s.Close() }) // after the transaction below ends
			tx := txOn(t, dsn)
			// The other collector's copy of r1, its time corrected a little
			// differently, written as a group writer writes it (the branch's
			// lock, then the chunk), not yet committed.
			other := rs("br-01")[1:2]
			other[0].StartedAt = other[0].StartedAt.Add(3 * time.Millisecond)
			var b pgx.Batch
			b.Queue(lockBranches, []string{"br-01"})
			queueChunks(&b, []chunkRow{newChunkRow(other, at, 0)}, map[chunkKey]bool{}, nil)
			if err := tx.SendBatch(ctx, &b).Close(); err != nil {
				t.Fatal(err)
			}
			type outcome struct {
				ins, dup int
				err      error
			}
			done := make(chan outcome, 1)
			go func() {
				ins, dup, err := w.write(s, rs("br-01"))
				done <- outcome{ins, dup, err}
			}()
			waitForLockWait(t, dsn)
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if o := <-done; o.err != nil || o.ins != 2 || o.dup != 1 {
				t.Fatalf("write = %d inserted, %d duplicates, %v; want 2, 1 and no error", o.ins, o.dup, o.err)
			}
			got, err := s.Results(ctx, "br-01", at.Add(-time.Hour), at.Add(time.Hour))
			if err != nil || len(got) != 3 || !got[1].StartedAt.Equal(other[0].StartedAt) {
				t.Fatalf("br-01 holds %v, %v; want 3 results, r1 the other collector's copy", got, err)
			}
		})
	}
}

// waitForLockWait polls until a session waits for a lock (the write
// waiting for the branch lock the other transaction holds), or fails after
// a generous deadline. It polls on a connection of its own: inside a
// transaction pg_stat_activity is read once and kept.
func waitForLockWait(t *testing.T, dsn string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no write waited for the transaction holding the branch within a minute")
		}
		time.Sleep(10 * time.Millisecond) // polling the server, not waiting for a timer
	}
}

// TestAppendObservations: the observations are written as JSON holding the
// same numbers as encoding/json's, several results' into one buffer, and
// a value JSON cannot hold is refused as encoding/json refuses it.
func TestAppendObservations(t *testing.T) {
	for _, c := range []struct {
		name string
		m    map[string]float64
	}{
		{"one plain key", map[string]float64{"latency_seconds": 0.0125}},
		{"two keys out of order", map[string]float64{"paper_level": 0.5, "latency_seconds": 12}},
		{"tiny, huge and negative values", map[string]float64{"a": 1e-9, "b": -3.25e22}},
		{"three keys", map[string]float64{"c": 3, "a": 1, "b": 2}},
		{"a key to escape", map[string]float64{"temp \"inside\" <°C>": 21.5}},
	} {
		t.Run(c.name+" is encoded as encoding/json would", func(t *testing.T) {
			b, err := result.AppendObservations([]byte("prefix"), c.m)
			if err != nil || !strings.HasPrefix(string(b), "prefix") {
				t.Fatalf("AppendObservations = %q, %v; want the prefix kept and no error", b, err)
			}
			var got map[string]float64
			if err := json.Unmarshal(b[len("prefix"):], &got); err != nil || !maps.Equal(got, c.m) {
				t.Fatalf("%s decodes to %v, %v; want %v", b, got, err, c.m)
			}
			if want, _ := json.Marshal(c.m); len(c.m) > 1 && keyOrder(b[len("prefix"):]) != keyOrder(want) {
				t.Errorf("keys in %s, want them as in %s", b, want)
			}
		})
	}
}

// keyOrder lists the keys of a JSON object in the order written.
func keyOrder(b []byte) string {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	var keys []string
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		dec.Token() // the value
	}
	return strings.Join(keys, ",")
}

// BenchmarkChunksOf encodes a group's worth of results (64 requests of
// 20) as chunk rows, as the group writer does before each insert.
//
//	go test -run '^$' -bench ChunksOf -benchmem ./collector/store/postgres/
func BenchmarkChunksOf(b *testing.B) {
	rs := wave(time.Now(), 64*20)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(rs); i += 20 {
			chunksOf(rs[i:i+20], time.Now(), 0)
		}
	}
}
