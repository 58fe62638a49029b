package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/command"
)

func validate(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "validate", "-c FILE", stderr)
	cfg := fs.String("c", "", "branch configuration `file`")
	if err := parse(fs, args, cfg); err != nil {
		return err
	}
	b, err := agent.Load(*cfg, nil)
	if err != nil {
		return err
	}
	printSummary(stdout, b, time.Now())
	return nil
}

// printSummary says what will be checked and when.
func printSummary(w io.Writer, b *agent.Branch, now time.Time) {
	f := b.Config.File
	cal := b.Config.Calendar
	kinds := map[string]int{}
	for _, c := range b.Checks {
		kinds[c.Kind]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(ks)
	fmt.Fprintf(w, "ok: %s\n", b.Config.Path)
	fmt.Fprintf(w, "branch %s (%s), %s, time zone %s\n", f.Branch.ID, f.Branch.Name, orNone(f.Branch.Region), f.Branch.Timezone)
	fmt.Fprintf(w, "%d devices, %d checks (%s)\n", len(f.Devices), len(b.Checks), strings.Join(ks, ", "))
	loc := cal.Location()
	if s, ok := cal.NextOf(now, calendar.PreOpening); ok {
		d := cal.DayOf(s.At)
		if s.At.Before(d.SweepFrom) || s.At.After(d.Deadline) { // the sweep of tomorrow's opening
			d = cal.DayOf(d.Closing.Add(time.Hour))
		}
		opening := "opening"
		if d.AllDay {
			opening = "open around the clock, daily check at"
		}
		fmt.Fprintf(w, "next pre-opening sweep: %s (branch-local), %s %s, ready by %s\n",
			s.At.In(loc).Format("Mon 2006-01-02 15:04 MST"), opening, d.Opening.In(loc).Format("15:04"), d.Deadline.In(loc).Format("15:04"))
	}
	printDays(w, cal, now, 7)
	if f.Collector.URL == "" {
		fmt.Fprintln(w, "collector: none configured (run needs collector.url and a token)")
	} else {
		fmt.Fprintf(w, "collector: %s\n", f.Collector.URL)
	}
	if b.Config.TokenErr != nil {
		fmt.Fprintf(w, "warning: %v (run will not start without the token)\n", b.Config.TokenErr)
	}
	for _, warn := range registry.Warnings(b.Config, b.Checks) {
		fmt.Fprintf(w, "warning: %v\n", warn)
	}
}

func orNone(s string) string {
	if s == "" {
		return "no region"
	}
	return s
}

// printDays lists the next days' hours and which entry set them (week,
// recurring rule, inline holiday or holiday file), so a user can see the
// precedence at work before the branch relies on it.
func printDays(w io.Writer, cal *calendar.Calendar, now time.Time, n int) {
	loc := cal.Location()
	l := now.In(loc)
	fmt.Fprintf(w, "next %d days (branch-local):\n", n)
	for i := range n {
		d := cal.Day(l.Year(), l.Month(), l.Day()+i)
		hours := "closed"
		switch {
		case d.AllDay:
			hours = fmt.Sprintf("around the clock, ready by %s", d.Deadline.In(loc).Format("15:04"))
		case d.Open:
			hours = fmt.Sprintf("%s-%s, ready by %s", d.Opening.In(loc).Format("15:04"), d.Closing.In(loc).Format("15:04"), d.Deadline.In(loc).Format("15:04"))
		}
		date, _ := time.ParseInLocation(time.DateOnly, d.Date, loc)
		fmt.Fprintf(w, "  %s %s  %-27s  from %s\n", date.Format("Mon"), d.Date, hours, d.Rule)
	}
}
