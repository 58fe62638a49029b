package spool

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

func TestNextShipsFreshResultsBeforeTheBacklog(t *testing.T) {
	now := time.Date(2026, 3, 5, 7, 30, 0, 0, time.UTC)
	c := &clock{}
	s := open(t, "", Options{Now: c.Now})
	steps := []struct {
		at   time.Time
		prio Priority
		ids  []string
	}{
		{now.Add(-72 * time.Hour), PriorityNormal, []string{"old-normal"}},
		{now.Add(-72 * time.Hour), PriorityReadiness, []string{"old-ready"}},
		{now.Add(-72 * time.Hour), PriorityInformational, []string{"old-info"}},
		{now.Add(-48 * time.Hour), PriorityNormal, []string{"older-day-normal"}},
		{now.Add(-time.Hour), PriorityReadiness, []string{"todays-ready"}},
		{now.Add(-time.Hour), PriorityNormal, []string{"hour-old-normal"}},
		{now.Add(-5 * time.Minute), PriorityInformational, []string{"fresh-info"}},
		{now.Add(-5 * time.Minute), PriorityNormal, []string{"fresh-normal-1", "fresh-normal-2"}},
	}
	for _, st := range steps {
		c.Set(st.at)
		put(t, s, st.prio, st.ids...)
	}
	c.Set(now)
	want := []string{
		"todays-ready", "fresh-normal-1", "fresh-normal-2", "fresh-info",
		"old-normal", "old-ready", "old-info", "older-day-normal", "hour-old-normal",
	}
	for _, tc := range []struct {
		name string
		n    int
	}{
		{"all results come fresh first, readiness lane first, then the backlog oldest first", 100},
		{"a short read takes the head of that order", 3},
		{"a read that ends inside the backlog stops there", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := want[:min(tc.n, len(want))]
			if got := mustNext(t, s, tc.n); !sameIDs(got, w) {
				t.Errorf("Next(%d) = %v, want %v", tc.n, got, w)
			}
		})
	}
}

func TestAckRemovesOnlyWhatWasStored(t *testing.T) {
	s := open(t, "", Options{})
	put(t, s, PriorityNormal, "a", "b", "c")
	if err := s.Ack([]string{"b", "unknown"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack([]string{"b"}); err != nil {
		t.Fatalf("acknowledging twice: %v", err)
	}
	if got := mustNext(t, s, 10); !sameIDs(got, []string{"a", "c"}) {
		t.Errorf("after ack of b: %v", got)
	}
	if s.Depth() != 2 {
		t.Errorf("depth %d, want 2", s.Depth())
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
	if err := s.Ack([]string{"a", "c"}); err != nil {
		t.Fatal(err)
	}
	if s.Depth() != 0 || s.Bytes() != 0 {
		t.Errorf("empty spool reports depth %d, %d bytes", s.Depth(), s.Bytes())
	}
}

func TestPutSkipsAResultAlreadySpooled(t *testing.T) {
	s := open(t, "", Options{})
	put(t, s, PriorityNormal, "a")
	put(t, s, PriorityReadiness, "a", "b")
	if got := mustNext(t, s, 10); !sameIDs(got, []string{"b", "a"}) {
		t.Errorf("Next = %v, want b (readiness) then a once", got)
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
}

func TestPutRefusesAResultWithoutID(t *testing.T) {
	s := open(t, "", Options{})
	err := s.Put([]result.Result{res("a"), res("")}, nil)
	if !errors.Is(err, ErrNoID) {
		t.Fatalf("err %v, want ErrNoID", err)
	}
	if s.Depth() != 0 {
		t.Errorf("a refused Put stored %d results", s.Depth())
	}
}

func TestAFullSpoolDropsOldestInformationalThenNormal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	probe := open(t, filepath.Join(t.TempDir(), "probe.db"), Options{})
	put(t, probe, PriorityNormal, "n-0000")
	one := probe.Bytes()

	var log syncBuf
	s := open(t, path, Options{MaxBytes: 5*one + one/2, Log: newLogger(&log)})
	for _, id := range seqIDs("i-", 3) {
		put(t, s, PriorityInformational, id)
	}
	for _, id := range seqIDs("n-", 3) {
		put(t, s, PriorityNormal, id)
	}
	for _, id := range seqIDs("r-", 3) {
		put(t, s, PriorityReadiness, id)
	}
	want := []string{"r-0000", "r-0001", "r-0002", "n-0001", "n-0002"}
	if got := mustNext(t, s, 100); !sameIDs(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	if got := s.Dropped()[ReasonSpoolFull]; got != 4 {
		t.Errorf("dropped counter %d, want 4", got)
	}
	if n := strings.Count(log.String(), "spool full"); n != 1 {
		t.Errorf("%d spool-full warnings within a minute, want 1:\n%s", n, log.String())
	}
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := open(t, path, Options{})
	if got := again.Dropped()[ReasonSpoolFull]; got != 4 {
		t.Errorf("after a restart the dropped counter is %d, want 4", got)
	}
}

func TestDropCountsRejectedResultsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s := open(t, path, Options{})
	put(t, s, PriorityNormal, "a", "b", "c")
	if err := s.Drop([]string{"a", "b", "gone"}, ReasonRejected); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s = open(t, path, Options{})
	if got := s.Dropped(); got[ReasonRejected] != 2 || got[ReasonSpoolFull] != 0 {
		t.Errorf("dropped %v, want 2 rejected", got)
	}
	if got := mustNext(t, s, 10); !sameIDs(got, []string{"c"}) {
		t.Errorf("left %v, want c", got)
	}
}

func TestASecondAgentCannotOpenTheSameSpool(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	open(t, path, Options{})
	if s, err := Open(path, Options{}); err == nil {
		_ = s.Close()
		t.Fatal("a second Open of a held spool succeeded")
	}
}

func TestOldestSaysHowFarBehindShippingIs(t *testing.T) {
	c := &clock{}
	s := open(t, "", Options{Now: c.Now})
	if !s.Oldest().IsZero() {
		t.Error("an empty spool has an oldest result")
	}
	t0 := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	c.Set(t0)
	put(t, s, PriorityInformational, "a")
	c.Set(t0.Add(time.Hour))
	put(t, s, PriorityReadiness, "b")
	if got := s.Oldest(); !got.Equal(t0) {
		t.Errorf("oldest %v, want %v", got, t0)
	}
}

func TestAResultThatDoesNotEncodeIsCountedAndTheRestSpooled(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"), Options{})
	bad := res("nan")
	bad.Observations = map[string]float64{"latency_seconds": math.NaN()}
	if err := s.Put([]result.Result{bad, res("good")}, nil); err != nil {
		t.Fatalf("put of a sweep with a NaN observation: %v", err)
	}
	if s.Held() != 0 || s.Depth() != 1 || s.Dropped()[ReasonUnencodable] != 1 {
		t.Errorf("%d held, %d on disk, %d unencodable; want 0, 1, 1", s.Held(), s.Depth(), s.Dropped()[ReasonUnencodable])
	}
}
