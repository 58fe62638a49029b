//go:build unix

package serial

import (
	"context"

	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/golden"
	"github.com/branchready/branchready/strictyaml"
)

// A golden case is a folder in testdata/: check.yaml (the options, without
// port), device.txt (what the simulated device does after reading the
// request) and want.txt (the bytes exchanged and the verdict, the port
// written as PORT). Every case runs over a real socat pty pair.
func TestGoldenDialoguesOverAPty(t *testing.T) {
	golden.Cases(t, "check.yaml", func(t *testing.T, dir string) {
		c, script := readCase(t, dir)
		l := newLine(t)
		c.Port = l.check
		chk := mustNew(t, c, Hardware{})
		dev := startDevice(t, l, len(chk.request), script)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out := chk.Run(ctx)
		got := dev.transcript() + verdictLine(out, l.check)
		golden.Compare(t, filepath.Join(dir, "want.txt"), got)
	})
}

func readCase(t *testing.T, dir string) (Config, []action) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "check.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if _, errs := strictyaml.Decode(filepath.Base(dir)+"/check.yaml", raw, &c); len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	text, err := os.ReadFile(filepath.Join(dir, "device.txt"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := parseScript(string(text))
	if err != nil {
		t.Fatalf("%s/device.txt: %v", dir, err)
	}
	return c, script
}

func verdictLine(o checks.Outcome, port string) string {
	return "= " + string(o.Status) + ": " + strings.ReplaceAll(o.Reason, port, "PORT") + "\n"
}
