package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/command"
	"github.com/branchready/branchready/result"
)

// check runs one sweep now and prints each result as it finishes.
// Exit codes: 0 ready, 1 a blocking check did not pass, 2 usage or config error.
func check(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := command.Flags(program, "check", "-c FILE [--device ID] [--json]", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	device := fs.String("device", "", "check only this device `id`")
	asJSON := fs.Bool("json", false, "print machine-readable JSON instead of a table")
	if err := parse(fs, args, cfg); err != nil {
		return 2
	}
	b, err := agent.Load(*cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cs, err := b.Select(*device)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	var progress func(result.Result)
	if !*asJSON {
		fmt.Fprintf(stdout, "running %d checks of branch %s...\n", len(cs), b.Config.File.Branch.ID)
		progress = func(r result.Result) { fmt.Fprintln(stdout, line(r)) }
	}
	rs := b.Sweep(ctx, "manual", cs, progress)
	sum := agent.Summarise(cs, rs)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"results": rs, "summary": sum})
	} else {
		printTotals(stdout, sum)
	}
	if !sum.Ready {
		return 1
	}
	return 0
}

func line(r result.Result) string {
	d := time.Duration(r.DurationMS * float64(time.Millisecond)).Round(time.Millisecond)
	return fmt.Sprintf("  %-9s %-28s %7s  %s", strings.ToUpper(string(r.Status)), r.Device+" / "+r.Check, d, r.Reason)
}

func printTotals(w io.Writer, s agent.Summary) {
	fmt.Fprintf(w, "\n%d checks: %d ok, %d degraded, %d failed, %d unknown\n", s.Total,
		s.ByStatus[result.StatusOK], s.ByStatus[result.StatusDegraded], s.ByStatus[result.StatusFail], s.ByStatus[result.StatusUnknown])
	if s.Ready {
		fmt.Fprintln(w, "READY: every blocking check passed")
		return
	}
	fmt.Fprintf(w, "NOT READY: blocking checks not passing: %s\n", strings.Join(s.Blocking, ", "))
}
