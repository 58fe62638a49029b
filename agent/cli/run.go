package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/command"
	"github.com/branchready/branchready/version"
)

func versionString() string {
	return program + " " + version.Get().String()
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "run", "-c FILE", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	check := fs.Bool("config.check", false, "validate the configuration and exit")
	logf := command.LogFlags(fs)
	if err := parse(fs, args, cfg); err != nil {
		return err
	}
	if *check {
		return validate([]string{"-c", *cfg}, stdout, stderr)
	}
	log, err := logf.Logger(stderr)
	if err != nil {
		return err
	}
	return runService(*cfg, log, func(ctx context.Context, log *slog.Logger) error {
		return agent.Run(ctx, agent.Options{ConfigPath: *cfg, Log: log})
	})
}
