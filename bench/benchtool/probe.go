//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/branchready/branchready/agent/runner"
	"github.com/branchready/branchready/checks"
	httpcheck "github.com/branchready/branchready/checks/http"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/checks/tcp"
	"github.com/branchready/branchready/result"
)

// probe compiles a tcp or http check per target through the registry and
// runs k probes of them (cycling) in one sweep of the agent's runner, then
// prints its own CPU time per probe. There is no front door: no request
// parsing or metrics rendering per probe, as blackbox_exporter has.
func probe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	file := fs.String("targets", "targets.txt", "targets file")
	k := fs.Int("k", 4000, "probes")
	conc := fs.Int("c", 4, "probes in flight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ts, err := readTargets(*file)
	if err != nil {
		return err
	}
	var cs []registry.Compiled
	for i := range *k {
		c, err := compileTarget(ts[i%len(ts)], i)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	idle, _ := idleRate(func() (time.Duration, error) { return selfCPU(), nil }, 2*time.Second)
	r := runner.Runner{Concurrency: *conc, Version: "bench"}
	before, start := selfCPU(), time.Now()
	rs := r.Sweep(ctx, "bench", cs, nil)
	wall, cpu := time.Since(start), selfCPU()-before
	for _, res := range rs {
		if res.Status != result.StatusOK {
			return fmt.Errorf("probe of %s/%s: %s: %s", res.Device, res.Kind, res.Status, res.Reason)
		}
	}
	us := report(os.Stdout, "branchready checks", len(rs), cpu, wall, idle)
	_, err = fmt.Fprintf(stdout, "RESULT ours_us=%.1f\n", us)
	return err
}

func compileTarget(t target, i int) (registry.Compiled, error) {
	var opts any
	switch t.kind {
	case "tcp":
		opts = &tcp.Config{Address: t.addr}
	case "http":
		opts = &httpcheck.Config{URL: t.addr}
	default:
		return registry.Compiled{}, fmt.Errorf("target kind %q: want tcp or http", t.kind)
	}
	tg := checks.Target{Branch: "bench", Device: fmt.Sprintf("dev-%d", i), Check: t.kind}
	chk, err := registry.Kinds()[t.kind](opts, tg, registry.Env{})
	if err != nil {
		return registry.Compiled{}, fmt.Errorf("compile %s %s: %w", t.kind, t.addr, err)
	}
	return registry.Compiled{Target: tg, Kind: t.kind, Criticality: result.Blocking, Timeout: 5 * time.Second, Check: chk}, nil
}
