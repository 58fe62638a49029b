package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/branchready/branchready/agent"
)

func versionString() string {
	v := agent.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return "branchready-agent " + v
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("run", "-c FILE", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	if err := parse(fs, args, cfg); err != nil {
		return err
	}
	return fmt.Errorf("run: not wired yet")
}
