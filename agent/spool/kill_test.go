package spool

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/result"
)

// helperEnv selects what TestHelperProcess does in a child process.
const helperEnv = "SPOOL_TEST_HELPER"

// TestHelperProcess is not a test: the tests below run the test binary as a
// child with helperEnv set, to kill it or limit it.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "put":
		putForever(os.Getenv("SPOOL_TEST_PATH"))
	case "full":
		fillDisk(os.Getenv("SPOOL_TEST_PATH"))
	default:
		return
	}
	os.Exit(0)
}

// putForever puts batches and acknowledges some, reporting each step on
// stdout only after it returned, until it is killed.
func putForever(path string) {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var pending []string
	for i := 0; ; i++ {
		batch := make([]result.Result, 1+i%17)
		for j := range batch {
			batch[j] = res(result.NewID())
			batch[j].Reason = strings.Repeat("x", rand.IntN(300))
		}
		if err := s.Put(batch, []Priority{Priority(i % 3)}); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("put", strings.Join(ids(batch), " "))
		pending = append(pending, ids(batch)...)
		if i%4 == 3 {
			ack := pending[:len(pending)/2]
			fmt.Println("acking", strings.Join(ack, " "))
			if err := s.Ack(ack); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			pending = pending[len(ack):]
		}
	}
}

func helper(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "SPOOL_TEST_PATH="+path)
	return cmd
}

func TestKillNineDuringWritesLosesNoAcknowledgedPut(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes: skipped under testing.Short (go test -short)")
	}
	path := filepath.Join(t.TempDir(), "spool.db")
	mustHave := map[string]bool{}
	for round := range 6 {
		out := runAndKill(t, path, 20+rand.IntN(150))
		for _, line := range out {
			f := strings.Fields(line)
			switch {
			case len(f) > 0 && f[0] == "put":
				for _, id := range f[1:] {
					mustHave[id] = true
				}
			case len(f) > 0 && f[0] == "acking":
				for _, id := range f[1:] {
					delete(mustHave, id)
				}
			case len(f) > 0 && f[0] == "error":
				t.Fatalf("round %d: child failed: %s", round, line)
			}
		}
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("round %d: the spool does not open after kill -9: %v", round, err)
		}
		if err := s.Verify(); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		got, err := s.Next(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, id := range ids(got) {
			have[id] = true
		}
		missing := 0
		for id := range mustHave {
			if !have[id] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("round %d: %d of %d results whose Put returned are gone", round, missing, len(mustHave))
		}
		_ = s.Close()
	}
	if len(mustHave) == 0 {
		t.Fatal("the child never reported a Put: the test proved nothing")
	}
}

// runAndKill starts the putting child, kills it with SIGKILL after it
// reported lines lines, and returns what it reported.
func runAndKill(t *testing.T, path string, lines int) []string {
	t.Helper()
	cmd := helper(t, "put", path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for len(out) < lines && sc.Scan() {
		out = append(out, sc.Text())
	}
	_ = cmd.Process.Kill()
	// Lines written before the kill are still in the pipe: read them all.
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	_ = cmd.Wait()
	return out
}
