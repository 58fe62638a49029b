package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/branchready/branchready/agent/service"
	"github.com/branchready/branchready/command"
)

// serviceCmd runs install, uninstall, start and stop against the system's
// service manager (systemd, or the Windows service control manager).
func serviceCmd(cmd string, args []string, stdout, stderr io.Writer) error {
	synopsis := ""
	if cmd == "install" {
		synopsis = "-c FILE [--user NAME]"
	}
	fs := command.Flags(program, cmd, synopsis, stderr)
	var cfg, user *string
	if cmd == "install" {
		cfg = fs.String("c", "", "branch configuration `file` the service will run with")
		user = fs.String("user", "", "run as this `user` (default: a dynamic user on systemd, LocalSystem on Windows)")
	}
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	c := service.Config{Log: slog.New(slog.NewTextHandler(stderr, nil))}
	switch cmd {
	case "install":
		if *cfg == "" {
			fmt.Fprintln(stderr, "missing -c FILE")
			fs.Usage()
			return errUsage
		}
		if err := validate([]string{"-c", *cfg}, io.Discard, stderr); err != nil {
			return fmt.Errorf("not installing: %w", err)
		}
		c.ConfigPath, c.User = *cfg, *user
		if err := service.Install(c); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "installed %s with %s; start it with: branchready-agent start\n", service.Name, *cfg)
	case "uninstall":
		if err := service.Uninstall(c); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "uninstalled %s (its state directory is kept)\n", service.Name)
	case "start":
		if err := service.Start(c); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "started %s; see it with: branchready-agent status\n", service.Name)
	case "stop":
		if err := service.Stop(c); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "stopped %s\n", service.Name)
	}
	return nil
}

// serviceState words what the service manager says, for status.
func serviceState() string {
	s, err := service.Status(service.Config{})
	if err != nil {
		return "not known to a service manager here (" + err.Error() + ")"
	}
	return s
}

// runService runs the agent, under the service manager when it started us.
func runService(cfg string, log *slog.Logger, run func(ctx context.Context, log *slog.Logger) error) error {
	c := service.Config{ConfigPath: cfg, Log: log}
	c.Log = service.SystemLogger(c)
	return service.Run(c, func(ctx context.Context) error { return run(ctx, c.Log) })
}
