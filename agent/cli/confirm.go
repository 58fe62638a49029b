package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/command"
)

func confirm(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "confirm", "-c FILE --device ID --check NAME --by NAME [--problem TEXT]", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	device := fs.String("device", "", "device `id` of the manual item")
	check := fs.String("check", "", "check `name` of the manual item")
	by := fs.String("by", "", "`name` of the member of staff confirming")
	problem := fs.String("problem", "", "report a problem instead of confirming (`text`)")
	if err := parse(fs, args, cfg); err != nil {
		return err
	}
	if *device == "" || *check == "" || *by == "" {
		fmt.Fprintln(stderr, "confirm needs --device, --check and --by")
		fs.Usage()
		return errUsage
	}
	b, err := agent.Load(*cfg, nil)
	if err != nil {
		return err
	}
	found := false
	for _, c := range b.Checks {
		if c.Target.Device == *device && c.Target.Check == *check {
			if c.Kind != "manual" {
				return fmt.Errorf("%s/%s is a %s check, not a manual item", *device, *check, c.Kind)
			}
			found = true
		}
	}
	if !found {
		return fmt.Errorf("no manual item %s/%s in %s", *device, *check, *cfg)
	}
	loc := b.Config.Calendar.Location()
	now := time.Now()
	if err := os.MkdirAll(b.Config.File.Agent.StateDir, 0o750); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	c := manual.Confirmation{Device: *device, Check: *check, Date: now.In(loc).Format(time.DateOnly), By: *by, At: now, Problem: *problem}
	if err := manual.NewFileBook(agent.ConfirmationsPath(b.Config)).Confirm(c); err != nil {
		return err
	}
	verb := "confirmed"
	if *problem != "" {
		verb = "problem reported"
	}
	fmt.Fprintf(stdout, "%s: %s/%s by %s at %s (%s)\n", verb, *device, *check, *by, now.In(loc).Format("15:04"), c.Date)
	return nil
}
