//go:build unix

package serial

import (
	"context"
	"github.com/branchready/branchready/testpeer"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestACancelledRunLeavesNoPortOpen cancels a run while a real pty stays
// silent, then proves the port is closed (no descriptor of this process
// points at it) and that the next run opens it again and gets its answer.
func TestACancelledRunLeavesNoPortOpen(t *testing.T) {
	l := newLine(t)
	chk := mustNew(t, Config{Preset: "ccnet", Port: l.check, ReplyTimeout: time.Hour}, Hardware{})
	silent := startDevice(t, l, len(chk.request), []action{{kind: "silence"}})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string)
	go func() { done <- string(chk.Run(ctx).Status) }()
	<-silent.got
	cancel()
	if status := awaitRun(t, done); status != "unknown" {
		t.Errorf("a cancelled run is %s, want unknown", status)
	}
	if fds := descriptorsOf(t, l.check); len(fds) > 0 {
		t.Errorf("the port is still open after the run: descriptors %v", fds)
	}

	answering := startDevice(t, l, len(chk.request), []action{{kind: "reply", data: mustHex("02 03 06 14 67 d4")}})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	out := chk.Run(ctx2)
	if out.Status != "ok" {
		t.Errorf("the port could not be used again: %s %q\n%s", out.Status, out.Reason, answering.transcript())
	}
}

// descriptorsOf lists this process's file descriptors open on the device
// the link points to.
func descriptorsOf(t *testing.T, link string) []string {
	t.Helper()
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		testpeer.Missing(t, "no /proc/self/fd here: "+err.Error())
	}
	var out []string
	for _, e := range entries {
		if dest, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && dest == target {
			out = append(out, e.Name())
		}
	}
	return out
}
