package modem

import (
	"context"

	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/golden"
)

// TestDialogues plays each testdata/<case>/ against the modem simulator,
// once over an in-memory pipe and once as real bytes through a socat pty
// pair: config.yaml is the check, modem.txt the modem's script,
// transcript.txt the bytes exchanged and result.txt the verdict. Both
// lines must produce the same golden files.
func TestDialogues(t *testing.T) {
	lines := []struct {
		name string
		open func(*testing.T, *sim) Opener
	}{{"over a pipe", pipeOpener}, {"over a pty", ptyOpener}}
	golden.Cases(t, "config.yaml", func(t *testing.T, dir string) {
		for _, line := range lines {
			t.Run(line.name, func(t *testing.T) {
				s, err := readScript(filepath.Join(dir, "modem.txt"))
				if err != nil {
					t.Fatal(err)
				}
				m := newSim(s)
				chk, err := New(golden.Decode[Config](t, filepath.Join(dir, "config.yaml")), WithOpener(line.open(t, m)))
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				out := chk.Run(ctx)
				golden.Compare(t, filepath.Join(dir, "result.txt"), verdict(out))
				golden.Compare(t, filepath.Join(dir, "transcript.txt"), waitHangUp(t, m))
			})
		}
	})
}

// waitHangUp returns the transcript once the modem has heard ATH0, and
// fails the test when it never does: the line would stay off-hook.
func waitHangUp(t *testing.T, m *sim) string {
	t.Helper()
	select {
	case <-m.hungUp:
	case <-time.After(5 * time.Second):
		t.Fatalf("the modem never received ATH0; it heard:\n%s", m.transcript())
	}
	return m.transcript()
}

// verdict renders an outcome without what changes from run to run.
func verdict(o checks.Outcome) string {
	var obs []string
	for k, v := range o.Observations {
		if strings.HasSuffix(k, "_seconds") {
			obs = append(obs, k+"=T")
		} else {
			obs = append(obs, fmt.Sprintf("%s=%g", k, v))
		}
	}
	sort.Strings(obs)
	s := string(o.Status) + ": " + o.Reason + "\n"
	if len(obs) > 0 {
		s += "observations: " + strings.Join(obs, " ") + "\n"
	}
	return s
}
