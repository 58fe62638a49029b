package agent

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/branchready/branchready/agent/runner"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/version"
)

// Version is the agent's version, stamped on results and heartbeats: the
// one the build recorded (see package version), never a constant.
var Version = version.Get().Version

// Branch is a loaded configuration with its compiled checks.
type Branch struct {
	Config *config.Loaded
	Checks []registry.Compiled
	// Log receives the runner's warnings (a check that kept its port past
	// its deadline); slog's default when nil.
	Log *slog.Logger
}

// Load reads, validates and compiles a branch configuration. Errors list
// every problem with file, line and path. book may be nil: confirmations
// are then read from the state directory.
func Load(path string, book manual.Book) (*Branch, error) {
	l, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return Compile(l, book)
}

// Compile builds the checks of a loaded configuration.
func Compile(l *config.Loaded, book manual.Book) (*Branch, error) {
	if book == nil {
		book = manual.NewFileBook(ConfirmationsPath(l))
	}
	cs, err := registry.Compile(l, registry.Env{Book: book})
	if err != nil {
		return nil, err
	}
	return &Branch{Config: l, Checks: cs}, nil
}

// ConfirmationsPath is where staff confirmations of manual items are kept.
func ConfirmationsPath(l *config.Loaded) string {
	return l.File.Agent.StateDir + "/confirmations.jsonl"
}

// Select returns the checks of one device, or all when device is empty.
func (b *Branch) Select(device string) ([]registry.Compiled, error) {
	if device == "" {
		return b.Checks, nil
	}
	var out []registry.Compiled
	for _, c := range b.Checks {
		if c.Target.Device == device {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no device %q in %s", device, b.Config.Path)
	}
	return out, nil
}

// Sweep runs checks now.
func (b *Branch) Sweep(ctx context.Context, kind string, cs []registry.Compiled, done func(result.Result)) []result.Result {
	r := runner.Runner{Concurrency: b.Config.File.Agent.Concurrency, Version: Version, Log: b.Log}
	sweep := result.NewSweepID(kind, time.Now())
	return r.Sweep(ctx, sweep, cs, done)
}

// Summary counts a sweep's results and names the blocking checks that did
// not pass.
type Summary struct {
	Total    int                   `json:"total"`
	ByStatus map[result.Status]int `json:"by_status"`
	// Blocking lists "device/check" of blocking checks that did not pass.
	Blocking []string `json:"blocking_not_passing"`
	Ready    bool     `json:"ready"`
}

// Summarise judges a sweep's results against the checks' criticality.
func Summarise(cs []registry.Compiled, rs []result.Result) Summary {
	s := Summary{Total: len(rs), ByStatus: map[result.Status]int{}}
	crit := map[[2]string]result.Criticality{}
	for _, c := range cs {
		crit[[2]string{c.Target.Device, c.Target.Check}] = c.Criticality
	}
	for _, r := range rs {
		s.ByStatus[r.Status]++
		if crit[[2]string{r.Device, r.Check}] == result.Blocking && !r.Status.Passing() {
			s.Blocking = append(s.Blocking, r.Device+"/"+r.Check)
		}
	}
	s.Ready = len(s.Blocking) == 0
	return s
}
