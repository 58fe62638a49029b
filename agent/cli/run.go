package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("run", "-c FILE", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	check := fs.Bool("config.check", false, "validate the configuration and exit")
	level := fs.String("log.level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args, cfg); err != nil {
		return err
	}
	if *check {
		return validate([]string{"-c", *cfg}, stdout, stderr)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log.level %q: must be debug, info, warn or error", *level)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	return runService(*cfg, log, func(ctx context.Context, log *slog.Logger) error {
		return agent.Run(ctx, agent.Options{ConfigPath: *cfg, Log: log})
	})
}
