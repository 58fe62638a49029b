package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/branchready/branchready/result"
)

// Defaults of Options.
const (
	DefaultFreshFor          = 15 * time.Minute
	DefaultReadinessFreshFor = 12 * time.Hour
	// warnEvery rate-limits the spool-full warning.
	warnEvery = time.Minute
)

// Options configure Open.
type Options struct {
	// MaxBytes bounds the spooled data; 0 means unbounded.
	MaxBytes int64
	Log      *slog.Logger
	// FreshFor is how long a normal or informational result ships ahead of
	// the backlog; default DefaultFreshFor.
	FreshFor time.Duration
	// ReadinessFreshFor is the same for readiness results; default
	// DefaultReadinessFreshFor.
	ReadinessFreshFor time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Spool is a durable, bounded queue of results. It is safe for concurrent
// use by the sweeps that Put and the shipper that reads and acknowledges.
type Spool struct {
	db *bolt.DB
	o  Options

	mu       sync.Mutex // guards the warning state
	lastWarn time.Time
	unwarned uint64

	hmu  sync.Mutex // serialises Put with the held results
	held heldResults

	// openSeq is the last sequence put before Open: records after it were
	// encoded by this process (see NextRecords).
	openSeq uint64
}

// ErrNoID is returned by Put for a result without an id: it could never be
// acknowledged.
var ErrNoID = errors.New("result has no id")

// Open opens or creates the spool file at path. It fails after a second if
// another process (a second agent) holds the file.
func Open(path string, o Options) (*Spool, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.FreshFor <= 0 {
		o.FreshFor = DefaultFreshFor
	}
	if o.ReadinessFreshFor <= 0 {
		o.ReadinessFreshFor = DefaultReadinessFreshFor
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	var openSeq uint64
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketResults, bucketIDs, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		openSeq = loadMeta(tx).seq
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	return &Spool{db: db, o: o, openSeq: openSeq}, nil
}

// Close closes the file. Results still held in memory for a full disk are
// lost then, and said so in the log.
func (s *Spool) Close() error {
	if n := s.Held(); n > 0 {
		s.o.Log.Error("spool: closing with results the disk never took; they are lost", "results", n, "reason", ReasonDiskFull)
	}
	return s.db.Close()
}

// Put adds results, each with its priority (missing entries are
// PriorityNormal). It returns after the results are on disk. A result whose
// id is already spooled is skipped. When the spool goes over MaxBytes the
// oldest results of the lowest lane are dropped and counted. An error (a
// full disk) leaves the spool as it was and usable, and the latest result
// of each check is held in memory and written with the next Put; every
// result that will never reach the disk is counted (ReasonDiskFull).
func (s *Spool) Put(rs []result.Result, prio []Priority) error {
	for i := range rs {
		if rs[i].ID == "" {
			return fmt.Errorf("spool result %d (%s/%s): %w", i, rs[i].Device, rs[i].Check, ErrNoID)
		}
	}
	s.hmu.Lock()
	defer s.hmu.Unlock()
	all, allPrio := s.held.with(rs, prio)
	if len(all) == 0 {
		return nil
	}
	err := s.put(all, allPrio, s.held.lost)
	if err == nil {
		if n := len(s.held.byCheck); n > 0 {
			s.o.Log.Info("spool: results held in memory while the disk was full are on disk now", "results", n)
		}
		s.held.reset()
		return nil
	}
	reason := writeFailure(err)
	lost := s.held.keep(all, allPrio, reason)
	s.o.Log.Error("spool: cannot write; holding the latest result of each check in memory",
		"results", len(rs), "held", len(s.held.byCheck), "lost", lost, "reason", reason, "err", err)
	return err
}

// put writes rs in one transaction, adding lost to the persisted counters
// of results dropped.
func (s *Spool) put(rs []result.Result, prio []Priority, lost map[string]uint64) error {
	vals := make([][]byte, len(rs))
	// One buffer for the sweep's records; each keeps its own capacity, so
	// the next one never writes into it (bbolt holds them until commit).
	buf := make([]byte, 0, 256*len(rs))
	for i := range rs {
		if rs[i].ID == "" {
			return fmt.Errorf("spool result %d (%s/%s): %w", i, rs[i].Device, rs[i].Check, ErrNoID)
		}
		start := len(buf)
		out, err := result.AppendJSON(buf, &rs[i])
		if err != nil {
			// A NaN observation, say: drop and count this one, keep the rest.
			s.o.Log.Error("spool: result does not encode; dropped", "id", rs[i].ID, "device", rs[i].Device,
				"check", rs[i].Check, "reason", ReasonUnencodable, "err", err)
			continue
		}
		buf = out
		vals[i] = buf[start:len(buf):len(buf)]
	}
	var evicted uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		m := loadMeta(tx)
		for reason, n := range lost {
			m.dropped[reason] += n
		}
		for _, v := range vals {
			if v == nil {
				m.dropped[ReasonUnencodable]++
			}
		}
		res, ids := tx.Bucket(bucketResults), tx.Bucket(bucketIDs)
		spooled := ids.Cursor() // see lookup
		seq := nextSeq(m.seq, s.o.Now())
		for i := range rs {
			id := rs[i].ID
			if vals[i] == nil || lookup(spooled, []byte(id)) != nil {
				continue
			}
			p := PriorityNormal
			if i < len(prio) {
				p = prio[i]
			}
			k := key(p.lane(), seq)
			seq++
			if err := res.Put(k, vals[i]); err != nil {
				return err
			}
			if err := ids.Put([]byte(id), k); err != nil {
				return err
			}
			m.count++
			m.bytes += uint64(recordSize(k, vals[i], id))
		}
		m.seq = seq - 1
		var err error
		if evicted, err = s.evict(tx, &m); err != nil {
			return err
		}
		return m.store(tx)
	})
	if err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	if evicted > 0 {
		s.warnFull(evicted)
	}
	return nil
}

// evict drops the oldest results, lowest lane first, until the spool fits.
func (s *Spool) evict(tx *bolt.Tx, m *meta) (uint64, error) {
	if s.o.MaxBytes <= 0 {
		return 0, nil
	}
	var n uint64
	c := tx.Bucket(bucketResults).Cursor()
	for m.bytes > uint64(s.o.MaxBytes) && m.count > 0 {
		k, v := firstInLanes(c, evictOrder[:])
		if k == nil {
			break
		}
		k = append([]byte(nil), k...)
		if err := removeRecord(tx, k, v, "", m); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		m.dropped[ReasonSpoolFull] += n
	}
	return n, nil
}

// firstInLanes returns the oldest record of the first non-empty lane.
func firstInLanes(c *bolt.Cursor, order []byte) (k, v []byte) {
	for _, lane := range order {
		k, v = c.Seek([]byte{lane})
		if k != nil && k[0] == lane {
			return k, v
		}
	}
	return nil, nil
}

// warnFull logs drops at most once a minute, with the count since the last
// warning; the persisted counter has every one.
func (s *Spool) warnFull(n uint64) {
	s.mu.Lock()
	s.unwarned += n
	now := s.o.Now()
	if !s.lastWarn.IsZero() && now.Sub(s.lastWarn) < warnEvery {
		s.mu.Unlock()
		return
	}
	dropped := s.unwarned
	s.unwarned, s.lastWarn = 0, now
	s.mu.Unlock()
	s.o.Log.Warn("spool full: dropped the oldest results, informational first",
		"dropped", dropped, "max_bytes", s.o.MaxBytes, "reason", ReasonSpoolFull)
}
