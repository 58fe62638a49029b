package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"
)

// When the WAL is copied back into the database file.
//
// A checkpoint copies every page the WAL holds, the latest version of each
// once. The checkpointer used to run one every 200 ms while writes came,
// and the writer checkpointed itself past 20,000 frames (80 MB): in a
// 20,000-branch wave, whose requests each dirty a few random pages of the
// same small indexes, a page was copied to the WAL and again to the
// database at nearly every commit, about 680 MB written a round for 50 MB
// of results, and the checkpointer took 4.4% of the collector's CPU. Waiting
// for the wave to end copies each page once, whatever number of commits
// changed it.
//
// So the checkpointer waits for a lull, no commit for checkpointLull, and
// copies the WAL then, or earlier once the writer appended checkpointBound
// frames since the last checkpoint began. A 20,000-branch wave appended
// 67,000 frames (276 MB) once the contacts left the descriptor rows
// (migration 14), 95,000 in its first round, which stores every branch's
// descriptor (about 37,000 and 42,000 a later round once descriptors were
// compressed and stored once, migration 16), so it does not checkpoint
// mid-wave, with room for growth;
// a longer burst (waves back to back, no lull) is checkpointed at the
// bound. The WAL file keeps the size it grew to (SQLite
// reuses it from the start after a checkpoint), so checkpointBound bounds
// the disk it takes: about 620 MB (4,120 bytes a frame). The writer's own
// checkpoint (writerAutocheckpoint) is the safety net above it, should
// the checkpointer fall behind. Durability is unchanged: a commit is synced
// to the WAL (synchronous=FULL) before it is acknowledged, checkpointed or
// not.
//
// What a larger WAL costs: a reader looks each page up in the WAL's index
// (one hash table per 4,096 frames) before the file, which did not show:
// listing 20,000 contacts and reading one took 81 ms (median) with an
// 82,000-frame WAL, 95 ms once it was checkpointed (python3's SQLite,
// load average 9); a collector restarted
// after a crash replays the WAL it finds (reads it once to rebuild the
// index), 1.0 s for a WAL at the bound (155,000 frames, 638 MB; this
// driver, load average 9); and a clean Close, or the first lull after a
// wave that reached the bound, copies it back, 4.4 s for that WAL.
const (
	// checkpointLull is how long the writer must be idle before the WAL
	// is copied back: commits of a wave come milliseconds apart.
	checkpointLull = 500 * time.Millisecond
	// checkpointBound is how many frames (pages) the writer may append
	// after a checkpoint began before the next one starts, lull or not.
	checkpointBound = 150_000
	// writerAutocheckpoint is the writer's own bound, in frames: past it,
	// SQLite checkpoints in the commit that crossed it, stalling the writer
	// for as long as the copy takes.
	writerAutocheckpoint = 250_000
)

// checkpointer copies the WAL back into the database file on its own
// connection, beside the writer, so commits do not pay for it, in the
// lulls between bursts of writes (see checkpointLull).
type checkpointer struct {
	db    *sql.DB
	log   *slog.Logger
	lull  time.Duration
	bound int64
	timer lullTimer
	// frames counts the frames the writer appended to the WAL since the
	// last checkpoint began.
	frames atomic.Int64
	// done counts the checkpoints that copied the whole WAL, and copied
	// the frames they copied, for tests.
	done, copied atomic.Int64
	kick         chan struct{}
	stop         chan struct{}
	exit         chan struct{}
}

// lullTimer is the timer the checkpointer resets at every commit; tests
// fire it themselves.
type lullTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// realTimer is a lullTimer on the system clock.
type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time   { return r.t.C }
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
func (r realTimer) Stop()                 { r.t.Stop() }

func newCheckpointer(path string, log *slog.Logger) (*checkpointer, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return startCheckpointer(path, log, realTimer{t}, checkpointLull, checkpointBound)
}

// startCheckpointer opens the checkpointer's connection and starts it.
func startCheckpointer(path string, log *slog.Logger, timer lullTimer, lull time.Duration, bound int64) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, log: log, lull: lull, bound: bound, timer: timer,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), exit: make(chan struct{})}
	go c.run()
	return c, nil
}

// committed tells the checkpointer that the writer appended frames to the
// WAL; it never blocks.
func (c *checkpointer) committed(frames int64) {
	c.frames.Add(frames)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.exit)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		if !c.awaitLull() {
			return
		}
		c.checkpoint()
	}
}

// awaitLull returns true once no commit came for c.lull or the WAL grew
// past c.bound, and false when the checkpointer is stopped.
func (c *checkpointer) awaitLull() bool {
	c.timer.Reset(c.lull)
	defer c.timer.Stop()
	for c.frames.Load() < c.bound {
		select {
		case <-c.stop:
			return false
		case <-c.timer.C():
			return true
		case <-c.kick:
			c.timer.Reset(c.lull)
		}
	}
	return true
}

// checkpoint copies the WAL back without blocking the writer or readers
// (PASSIVE): a page a reader's snapshot still needs from the WAL is left
// for the next one.
func (c *checkpointer) checkpoint() {
	c.frames.Swap(0)
	var busy, walFrames, copied int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &copied)
	if err != nil {
		c.log.Warn("background checkpoint failed", "err", err)
		return
	}
	if busy == 0 && copied == walFrames {
		c.done.Add(1)
		c.copied.Add(int64(copied))
	}
}

// close stops the checkpointer and releases its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.exit
	return c.db.Close()
}
