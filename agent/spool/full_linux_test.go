//go:build linux

package spool

import (
	"errors"
	"fmt"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/branchready/branchready/result"
)

// fillDisk runs in a child whose file size limit stands for a full disk:
// writes past it fail with EFBIG as they would with ENOSPC.
func fillDisk(path string) {
	signal.Ignore(syscall.SIGXFSZ)
	lim := syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println("setup", err)
		return
	}
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("setup", err)
		return
	}
	var perr error
	for i := 0; perr == nil && i < 10000; i++ {
		batch := make([]result.Result, 20)
		for j := range batch {
			batch[j] = res(fmt.Sprintf("r-%05d-%02d", i, j))
			batch[j].Reason = strings.Repeat("y", 500)
		}
		perr = s.Put(batch, nil)
	}
	fmt.Println("put-error", perr != nil, errors.Is(perr, syscall.EFBIG) || strings.Contains(fmt.Sprint(perr), "too large"))
	report := func(step string) {
		if err := s.Verify(); err != nil {
			fmt.Println(step, "inconsistent", err)
		}
	}
	report("after-full")
	rs, err := s.Next(400)
	if err != nil || len(rs) == 0 {
		fmt.Println("next-failed", err)
		return
	}
	if err := s.Ack(ids(rs)); err != nil {
		fmt.Println("ack-failed", err)
		return
	}
	if err := s.Put([]result.Result{res("after-ack")}, nil); err != nil {
		fmt.Println("put-after-ack-failed", err)
		return
	}
	report("after-ack")
	fmt.Println("depth", s.Depth(), "ok")
}

func TestAFullDiskIsAnErrorAndTheSpoolStaysUsable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	out, err := helper(t, "full", path).CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("child crashed: %v\n%s", err, text)
	}
	for _, want := range []string{"put-error true true", " ok"} {
		if !strings.Contains(text, want) {
			t.Errorf("child output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "inconsistent") || strings.Contains(text, "failed") || strings.Contains(text, "setup") {
		t.Errorf("child reported a problem:\n%s", text)
	}
	s := open(t, path, Options{})
	if err := s.Verify(); err != nil {
		t.Error(err)
	}
	if got := mustNext(t, s, 1<<20); len(got) == 0 || got[len(got)-1] != "after-ack" {
		t.Errorf("the result put after freeing space is not last in the spool (%d results)", len(got))
	}
}
