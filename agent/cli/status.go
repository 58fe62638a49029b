package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/branchready/branchready/agent/admin"
	"github.com/branchready/branchready/command"
	"github.com/branchready/branchready/config"
)

// status asks the running agent for its state and prints it.
func status(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "status", "[-c FILE | --addr HOST:PORT] [--json]", stderr)
	cfg := fs.String("c", "", "branch configuration `file` (to find the admin endpoint)")
	addr := fs.String("addr", "", "admin endpoint of the running agent (default from the config, else "+config.DefaultListen+")")
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if *addr == "" {
		*addr = config.DefaultListen
		if *cfg != "" {
			l, err := config.Load(*cfg)
			if err != nil {
				return err
			}
			*addr = l.File.Agent.Listen
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + *addr + "/status")
	if err != nil {
		return fmt.Errorf("service %s; the agent is not answering on %s: %w", serviceState(), *addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var s admin.Status
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("unexpected answer from %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "service: %s\n", serviceState())
	printStatus(stdout, s)
	return nil
}

func printStatus(w io.Writer, s admin.Status) {
	fmt.Fprintf(w, "branch %s (%s), agent %s, running since %s\n", s.Branch, s.Name, s.Version, s.Started.Format(time.RFC3339))
	fmt.Fprintf(w, "config %s (hash %s)\n", s.ConfigPath, s.ConfigHash)
	if s.LastReloadError != "" {
		fmt.Fprintf(w, "LAST RELOAD REFUSED (previous config in force):\n  %s\n", strings.ReplaceAll(s.LastReloadError, "\n", "\n  "))
	}
	if s.LastSweep != nil {
		verdict := "ready"
		if !s.LastSweep.Ready {
			verdict = "NOT READY"
		}
		fmt.Fprintf(w, "last sweep: %s at %s, %.1fs, %s\n", s.LastSweep.Kind, s.LastSweep.At.Format("15:04:05"), s.LastSweep.Seconds, verdict)
	} else {
		fmt.Fprintln(w, "last sweep: none yet")
	}
	fmt.Fprintf(w, "next sweep: %s (%s)\n", s.NextSweep, s.NextSweepKind)
	printCollector(w, s.Collector)
	var drops []string
	for k, v := range s.Spool.Dropped {
		if v > 0 {
			drops = append(drops, fmt.Sprintf("%s %d", k, v))
		}
	}
	sort.Strings(drops)
	fmt.Fprintf(w, "spool: %d results waiting (%d bytes)", s.Spool.Results, s.Spool.Bytes)
	if s.Spool.Held > 0 {
		fmt.Fprintf(w, ", DISK FULL: %d results held in memory", s.Spool.Held)
	}
	if len(drops) > 0 {
		fmt.Fprintf(w, ", DROPPED: %s", strings.Join(drops, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "checks:")
	printChecks(w, s.Checks)
}

// printCollector says how shipping goes, telling a collector that refuses
// the branch token apart from one that cannot be reached: the first needs
// a token, the second a network or a collector.
func printCollector(w io.Writer, c admin.CollectorLink) {
	switch {
	case c.Reachable:
		fmt.Fprintf(w, "collector: %s reachable, last delivery %s\n", c.URL, c.LastSuccess.Format("15:04:05"))
	case c.LastError == "":
		fmt.Fprintf(w, "collector: %s, nothing delivered yet\n", c.URL)
	case c.LastErrorCode == http.StatusUnauthorized || c.LastErrorCode == http.StatusForbidden:
		fmt.Fprintf(w, "collector: %s REFUSES THE BRANCH TOKEN (%d %s, %d failures): %s\n", c.URL, c.LastErrorCode, http.StatusText(c.LastErrorCode), c.ConsecutiveFailures, c.LastError)
		fmt.Fprintln(w, "  results stay spooled until the token is fixed: check collector.token_file (and branch.id);")
		fmt.Fprintln(w, "  if the token was revoked or rotated out, enroll again with a new code")
		fmt.Fprintln(w, "  (branchready-collector branches code BRANCH, then branchready-agent enroll --code CODE -c CONFIG)")
		fmt.Fprintln(w, "  and restart the agent")
	case c.LastErrorCode != 0:
		fmt.Fprintf(w, "collector: %s answers with errors (%d %s, %d failures): %s\n", c.URL, c.LastErrorCode, http.StatusText(c.LastErrorCode), c.ConsecutiveFailures, c.LastError)
	default:
		fmt.Fprintf(w, "collector: %s NOT REACHABLE (%d failures): %s\n", c.URL, c.ConsecutiveFailures, c.LastError)
	}
}

// printChecks lays the checks out in columns as wide as their longest cell
// (fixed widths misalign as soon as a device name is long).
func printChecks(w io.Writer, checks []admin.CheckState) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STATUS\tDEVICE / CHECK\tCRITICALITY\tREASON")
	for _, ch := range checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(ch.Status), ch.Device+" / "+ch.Check, ch.Criticality, oneLine(ch.Reason))
	}
	_ = tw.Flush() // w is stdout or a buffer: nothing to do about a failed write
}

// oneLine keeps a multi-line reason from breaking the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
