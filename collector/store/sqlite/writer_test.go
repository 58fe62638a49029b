package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// idleWriter returns a writer on a migrated database with no goroutine
// running it, so a test can hand it a group directly.
func idleWriter(t *testing.T) *writer {
	t.Helper()
	db, _ := writerDB(t)
	ms, _ := loadMigrations(migrationFiles, "migrations")
	if err := migrate(context.Background(), db, ms); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	w, err := newWriter(db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newWriter: %v", err)
	}
	return w
}

// resultsRequest encodes n results starting at first into a request.
func resultsRequest(t *testing.T, ctx context.Context, first, n int) *request {
	t.Helper()
	return &request{ctx: ctx, parts: encodeParts(benchResults(first, n, randomID)), received: time.Now().UnixNano(), rows: n, reply: make(chan reply, 1)}
}

// damage stores a chunk of branch that does not decode, so that the next
// write of branch fails when it looks for copies in it.
func damage(t *testing.T, w *writer, branch string) {
	t.Helper()
	if _, err := w.db.Exec(`INSERT INTO result_chunks (branch, first_at, last_at, received_at, n, body) VALUES (?, 0, 0, 0, 1, x'01ff')`, branch); err != nil {
		t.Fatal(err)
	}
}

// storedResults counts the results w's database holds.
func storedResults(t *testing.T, db interface{ QueryRow(string, ...any) *sql.Row }) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COALESCE(SUM(n), 0) FROM result_chunks WHERE body <> x'01ff'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGroupCommit(t *testing.T) {
	w := idleWriter(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	good1 := resultsRequest(t, context.Background(), 0, 150)
	bad := resultsRequest(t, context.Background(), 150, 10)
	damage(t, w, bad.parts[0].branch)
	late := resultsRequest(t, cancelled, 160, 10)
	good2 := resultsRequest(t, context.Background(), 170, 20)
	w.commit([]*request{good1, bad, late, good2})

	for _, c := range []struct {
		name    string
		req     *request
		wantN   int
		wantErr bool
	}{
		{"a request before the bad one is stored", good1, 150, false},
		{"the bad request fails", bad, 0, true},
		{"a request whose caller gave up is not stored", late, 0, true},
		{"a request after the bad one is stored", good2, 20, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := <-c.req.reply
			if r.n != c.wantN || (r.err != nil) != c.wantErr {
				t.Fatalf("reply = %d, %v; want %d, error %v", r.n, r.err, c.wantN, c.wantErr)
			}
		})
	}
	if stored := storedResults(t, w.db); stored != 170 {
		t.Fatalf("stored %d results, want 170", stored)
	}
}

func TestCloseFlushesQueuedWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inserted int
		started  = make(chan struct{}, 8)
	)
	for g := range 8 {
		wg.Go(func() {
			started <- struct{}{}
			for b := range 10 {
				n, _, err := s.WriteResults(context.Background(), benchResults((g*10+b)*100, 100, randomID), time.Now())
				if err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("WriteResults: %v, want success or ErrClosed", err)
				}
				mu.Lock()
				inserted += n
				mu.Unlock()
			}
		})
	}
	<-started
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	s, err = Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if stored := storedResults(t, s.rdb); stored != inserted {
		t.Fatalf("%d results acknowledged, %d stored after reopen", inserted, stored)
	}
}

func TestGather(t *testing.T) {
	queued := func(rows ...int) chan *request {
		q := make(chan *request, len(rows))
		for _, n := range rows {
			q <- &request{rows: n}
		}
		return q
	}
	for _, c := range []struct {
		name         string
		reqs, urgent chan *request
		want, left   int
		lastRows     int // the rows of the last request gathered; 0: any
	}{
		{"every queued request joins a small group", queued(1, 1, 1), queued(1), 5, 0, 0},
		{"a group stops growing at groupRows", queued(groupRows/2, groupRows/2, 1), queued(), 3, 1, 0},
		{"urgent requests join before bulk ones", queued(groupRows), queued(1, 1), 4, 0, groupRows},
		{"nothing queued leaves the first request alone", queued(), queued(), 1, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := &request{rows: 1}
			group := gather(c.reqs, c.urgent, []*request{first}, first.rows)
			if len(group) != c.want || group[0] != first {
				t.Fatalf("gathered %d requests (first kept: %v), want %d", len(group), group[0] == first, c.want)
			}
			if last := group[len(group)-1].rows; c.lastRows != 0 && last != c.lastRows {
				t.Fatalf("the last request gathered has %d rows, want %d", last, c.lastRows)
			}
			if left := len(c.reqs) + len(c.urgent); left != c.left {
				t.Fatalf("%d requests left queued, want %d", left, c.left)
			}
		})
	}
	t.Run("closed queues end the gathering", func(t *testing.T) {
		reqs, urgent := queued(1), queued()
		close(reqs)
		close(urgent)
		if got := gather(reqs, urgent, []*request{{rows: 1}}, 1); len(got) != 2 {
			t.Fatalf("gathered %d requests, want 2", len(got))
		}
	})
}
