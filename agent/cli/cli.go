package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/branchready/branchready/command"
)

const usage = `branchready-agent checks a bank branch's devices before opening and
through the day, and ships the results to the branchready collector.

Usage:
  branchready-agent validate -c FILE         check a config; print what will be checked and when
  branchready-agent check -c FILE [--device ID] [--json]
                                             run the checks now; exit 1 if a blocking check fails
  branchready-agent run -c FILE              run as the branch's agent (scheduled sweeps, shipping)
  branchready-agent status [-c FILE]         ask the running agent: last sweep, devices, spool, collector, next sweep
  branchready-agent confirm -c FILE --device ID --check NAME --by NAME [--problem TEXT]
                                             record a member of staff's confirmation of a manual item
  branchready-agent enroll --code CODE [--collector URL] [-c FILE] [--out FILE]
                                             exchange a one-time code for the branch token (written mode 0600)
  branchready-agent install -c FILE [--user NAME]
                                             install as a system service (systemd unit, Windows service)
  branchready-agent uninstall | start | stop
  branchready-agent version

Run 'branchready-agent COMMAND -h' for a command's flags.
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "validate":
		err = validate(rest, stdout, stderr)
	case "check":
		return check(ctx, rest, stdout, stderr)
	case "run":
		err = run(ctx, rest, stdout, stderr)
	case "status":
		err = status(rest, stdout, stderr)
	case "install", "uninstall", "start", "stop":
		err = serviceCmd(cmd, rest, stdout, stderr)
	case "confirm":
		err = confirm(rest, stdout, stderr)
	case "enroll":
		err = enrollCmd(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return exitCode(err, stderr)
}

// errUsage marks an error whose message has been printed with the flags.
var errUsage = command.ErrUsage

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // asked for: the usage is printed, as flag's ExitOnError does
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, err)
	return 1
}

// program names the binary in usage messages.
const program = "branchready-agent"

func parse(fs *flag.FlagSet, args []string, cfg *string) error {
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if *cfg == "" {
		fmt.Fprintln(fs.Output(), "missing -c FILE (the branch configuration)")
		fs.Usage()
		return errUsage
	}
	return nil
}
