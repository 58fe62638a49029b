//go:build linux

package spool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/testpeer"
)

// smallDisk mounts a 2 MiB tmpfs for the test and removes it afterwards.
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testpeer.Missing(t, "mounting a 2 MiB tmpfs needs root")
		return ""
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		testpeer.Missing(t, fmt.Sprintf("mount tmpfs: %v: %s", err, out))
		return ""
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// sweepOf returns one sweep's results: one per check, ten checks.
func sweepOf(n int) []result.Result {
	rs := make([]result.Result, 10)
	for i := range rs {
		rs[i] = res(fmt.Sprintf("s%04d-c%02d", n, i))
		rs[i].Check = fmt.Sprintf("check-%02d", i)
		rs[i].Reason = strings.Repeat("r", 600)
	}
	return rs
}

// A 2 MiB state directory, 420 sweeps of 10 checks: every result is on
// disk, held in memory or counted as lost to the full disk, and once space
// returns the held ones are written and the count persists.
func TestAFullDiskCountsEveryResultItLoses(t *testing.T) {
	dir := smallDisk(t)
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 512<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "spool.db")
	s := open(t, path, Options{})
	failed := 0
	for n := range 420 {
		if err := s.Put(sweepOf(n), nil); err != nil {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("the disk never filled up; the test proves nothing")
	}
	lost := s.Dropped()[ReasonDiskFull]
	if got := uint64(s.Depth()) + uint64(s.Held()) + lost; got != 4200 || s.Held() != 10 {
		t.Fatalf("on disk %d + held %d + lost %d = %d, want 4200 with the 10 latest held", s.Depth(), s.Held(), lost, got)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Next(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ids(rs)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(sweepOf(420), nil); err != nil {
		t.Fatalf("put after space returned: %v", err)
	}
	if s.Held() != 0 || s.Depth() != 20 {
		t.Errorf("after space returned: %d held, %d on disk; want 0 and the 10 held + 10 new", s.Held(), s.Depth())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, Options{})
	if got := s.Dropped()[ReasonDiskFull]; got != lost {
		t.Errorf("after a restart %d counted lost to the full disk, want %d", got, lost)
	}
}
