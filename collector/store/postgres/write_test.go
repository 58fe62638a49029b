package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestCopyWrittenMeanwhile: the insert has no ON CONFLICT clause, relying
// on the branch lock and the check for copies; a copy of a result that
// another branch's transaction is writing at that very moment (which the
// check cannot see) makes it fail on the primary key, and the write is
// done again leaving that copy out, counted as a duplicate.
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
		out[1].ID = "reused-id" // the copy the other transaction holds
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
			defer s.Close()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `INSERT INTO results (id, branch, device, check_name, kind, status, started_at,
				duration_ms, reason, sweep, agent_version, received_at)
				VALUES ('reused-id', 'br-other', 'atm-01', 'reachable', 'tcp', 'ok', $1, 0, '', 'pre-opening-1', '1.2.3', 0)`,
				at.Add(time.Second).UnixNano()); err != nil {
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
			if err != nil || len(got) != 2 {
				t.Fatalf("br-01 holds %d results, %v; want 2", len(got), err)
			}
		})
	}
}

// waitForLockWait polls until a session waits for a lock (the insert
// waiting for the transaction holding the copy), or fails after a
// generous deadline. It polls on a connection of its own: inside a
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
			WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO results%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no write waited for the transaction holding the copy within a minute")
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
	t.Run("no observations add nothing", func(t *testing.T) {
		rs := wave(time.Now(), 1)
		rs[0].Observations = nil
		if c, err := columnsOf(rs, time.Now()); c.obs[0].Valid || err != nil {
			t.Errorf("columnsOf without observations = %v, %v; want NULL", c.obs[0], err)
		}
	})
	t.Run("a value JSON cannot hold is refused", func(t *testing.T) {
		rs := wave(time.Now(), 1)
		rs[0].Observations = map[string]float64{"x": math.NaN()}
		if _, err := columnsOf(rs, time.Now()); err == nil {
			t.Error("NaN encoded, want an error")
		}
	})
	t.Run("each result of a batch gets its own observations", func(t *testing.T) {
		rs := wave(time.Now(), 3)
		rs[1].Observations = nil
		rs[2].Observations = map[string]float64{"paper_level": 0.25}
		c, err := columnsOf(rs, time.Now())
		if err != nil || c.obs[0] != (pgtype.Text{String: `{"latency_seconds":0.0125}`, Valid: true}) || c.obs[1].Valid ||
			c.obs[2] != (pgtype.Text{String: `{"paper_level":0.25}`, Valid: true}) {
			t.Fatalf("columnsOf: observations %v, %v", c.obs, err)
		}
	})
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

// BenchmarkColumnsOf lays out a group's worth of results (64 requests of
// 20) by column, as the group writer does before each insert.
//
//	go test -run '^$' -bench ColumnsOf -benchmem ./collector/store/postgres/
func BenchmarkColumnsOf(b *testing.B) {
	rs := wave(time.Now(), 64*20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := columnsOf(rs, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
