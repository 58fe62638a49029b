package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"
)

// fakeTimer is a lullTimer the test fires; every Reset is reported on
// resets, so the test knows when the checkpointer has taken a commit in.
type fakeTimer struct {
	c      chan time.Time
	resets chan time.Duration
}

func newFakeTimer() *fakeTimer {
	return &fakeTimer{c: make(chan time.Time), resets: make(chan time.Duration, 100)}
}

func (f *fakeTimer) C() <-chan time.Time   { return f.c }
func (f *fakeTimer) Reset(d time.Duration) { f.resets <- d }
func (f *fakeTimer) Stop()                 {}

// generously bounds every wait of these tests, so a loaded machine does
// not fail them; a wait that does not end is a failure.
const generously = 30 * time.Second

func TestCheckpointer(t *testing.T) {
	for _, c := range []struct {
		name string
		// bound is the checkpointer's, in frames (0: one more than the
		// test writes).
		bound int64
		// lull is whether the test fires the timer, as a lull would.
		lull bool
	}{
		{name: "copies the WAL back once the writes pause", lull: true},
		{name: "copies a WAL past its bound back while the writes go on", bound: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, path := writerDB(t)
			if _, err := db.Exec(`CREATE TABLE t (x BLOB)`); err != nil {
				t.Fatal(err)
			}
			walFrames(context.Background(), db) // forget the frames so far
			timer := newFakeTimer()
			bound := c.bound
			if bound == 0 {
				bound = 1 << 40
			}
			cp, err := startCheckpointer(path, slog.New(slog.DiscardHandler), timer, time.Second, bound)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cp.close() })

			var written int64
			for range 2 {
				n := commitRows(t, db)
				written += n
				cp.committed(n)
				if c.lull {
					// The checkpointer resets its timer for every commit
					// it takes in, and copies nothing before it fires.
					awaitReset(t, timer)
					if got := cp.done.Load(); got != 0 {
						t.Fatalf("%d checkpoints while the writes go on, want none before a lull", got)
					}
				}
			}
			if c.lull {
				select {
				case timer.c <- time.Now():
				case <-time.After(generously):
					t.Fatal("the checkpointer does not wait for a lull")
				}
			}
			// PRAGMA wal_checkpoint's count of the frames it copied.
			deadline := time.Now().Add(generously)
			for cp.copied.Load() < written {
				if time.Now().After(deadline) {
					t.Fatalf("the checkpoints copied %d frames back, want the %d the writer wrote", cp.copied.Load(), written)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

// commitRows commits a few pages' worth of rows on the writer's
// connection and returns the WAL frames they took.
func commitRows(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO t SELECT randomblob(1000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n)`); err != nil {
		t.Fatal(err)
	}
	n := walFrames(context.Background(), db)
	if n == 0 {
		t.Fatal("the writer's connection wrote no frame to the WAL by its count")
	}
	return n
}

func awaitReset(t *testing.T, timer *fakeTimer) {
	t.Helper()
	select {
	case <-timer.resets:
	case <-time.After(generously):
		t.Fatal("the checkpointer took no commit in")
	}
}
