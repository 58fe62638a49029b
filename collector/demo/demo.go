package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// Options configure the demo.
type Options struct {
	Listen string
	// Out gets the banner and the branch summaries; LogOut the logs.
	Out, LogOut io.Writer
	Verbose     bool
	// ConfirmAfter is when the Berlin lobby manager signs off the feedback
	// book; default two minutes.
	ConfirmAfter time.Duration
	// SlackAPIURL, when set, sends the demo's alerts to that Slack Web API
	// (a real workspace with SlackToken, or a fake); SlackSigningSecret
	// turns on the buttons' endpoint.
	SlackAPIURL, SlackToken, SlackSigningSecret string
}

// Run starts the demo and blocks until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.ConfirmAfter == 0 {
		o.ConfirmAfter = 2 * time.Minute
	}
	level := slog.LevelWarn
	if o.Verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(o.LogOut, &slog.HandlerOptions{Level: level}))
	now := time.Now()
	dir, err := os.MkdirTemp("", "branchready-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("%w\nchoose another address with --listen 127.0.0.1:PORT", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "collector.db"), log)
	if err != nil {
		return err
	}
	defer st.Close()
	password := auth.NewToken()[:16]
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	users, _ := auth.NewUsers(map[string]string{"admin": hash})
	tokens, _ := auth.NewTokens(nil)
	recordKey, keyFile, err := writeRecordKey(dir)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	// Routing needs only the branches' ids and regions, not their devices.
	alertOpts := alertOptions(o, specs(addrs{}), base)
	srv := collector.NewServer(collector.ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, SkewThreshold: 2 * time.Minute,
		Alerts: alertOpts, RecordKey: recordKey})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	var devs devices
	defer devs.close()
	a, err := devs.start(now)
	if err != nil {
		return err
	}
	all := specs(a)
	paths := map[string]string{}
	for _, b := range all {
		tok := auth.NewToken()
		tokens.Add(b.ID, tok)
		p, err := b.write(dir, base, tok, now)
		if err != nil {
			return err
		}
		paths[b.ID] = p
	}
	if err := confirm(paths["lon-bank-street"], "Priya Shah (lobby manager)", now); err != nil {
		return err
	}
	// History first, then the collector's own roll-up loop, so that it never
	// sees a half-seeded day.
	if err := seedHistory(ctx, st, paths, now); err != nil {
		return fmt.Errorf("seed history: %w", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx, ln); err != nil {
			log.Error("collector stopped", "err", err)
		}
	}()
	for _, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := agent.Run(ctx, agent.Options{ConfigPath: paths[b.ID], Log: log.With("branch", b.ID)})
			if err != nil && ctx.Err() == nil {
				log.Error("agent stopped", "branch", b.ID, "err", err)
			}
		}()
	}
	fmt.Fprintf(o.Out, `branchready demo: a collector and %d simulated branches (agents, devices) on this machine.

  board:    %s/          login: admin  password: %s
  API:      %s/api/v1/branches (same login)
  metrics:  %s/metrics
  SLA:      %s/sla (a week of past branch-days is seeded: zones, trends, worst devices)
  records:  %s/branches/ber-mitte/record?date=%s (signed; check a saved copy with
            branchready-collector verify-record FILE --public-key %s)
  configs:  %s (each branch's YAML, as an agent reads it)

Each branch opens shortly, so you watch its pre-opening sweeps. Some devices
fail on purpose; Sydney's online banking recovers after 3 minutes, and Berlin's
lobby manager confirms the feedback book after %s. Ctrl-C stops the demo.

`, len(all), base, password, base, base, base, base, spooledDay(now), strings.TrimSuffix(keyFile, ".key")+".pub", dir, o.ConfirmAfter)
	printChannels(o.Out, o, alertOpts, base)
	return watch(ctx, o, srv.Engine, paths["ber-mitte"], now)
}

// confirm records a staff confirmation of the feedback book.
func confirm(configPath, by string, now time.Time) error {
	b, err := agent.Load(configPath, nil)
	if err != nil {
		return err
	}
	loc := b.Config.Calendar.Location()
	if err := os.MkdirAll(b.Config.File.Agent.StateDir, 0o750); err != nil {
		return err
	}
	return manual.NewFileBook(agent.ConfirmationsPath(b.Config)).Confirm(manual.Confirmation{
		Device: "feedback-book", Check: "in-place", Date: now.In(loc).Format(time.DateOnly), By: by, At: now,
	})
}

// watch prints a line per branch whenever its verdict changes, and has the
// Berlin lobby manager confirm the feedback book on time.
func watch(ctx context.Context, o Options, e *readiness.Engine, berlin string, start time.Time) error {
	last := map[string]string{}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	confirmAt := time.NewTimer(o.ConfirmAfter)
	defer confirmAt.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(o.Out, "demo stopped")
			return nil
		case <-confirmAt.C:
			if err := confirm(berlin, "Jonas Weber (lobby manager)", time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(o.Out, "%s  ber-mitte: Jonas Weber (lobby manager) confirmed the feedback book is in place\n", time.Now().Format("15:04:05"))
		case <-tick.C:
			bs, err := e.All(ctx)
			if err != nil {
				if errors.Is(err, context.Canceled) {
					continue
				}
				return err
			}
			sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
			for _, b := range bs {
				l := summary(b)
				if last[b.ID] != l {
					last[b.ID] = l
					fmt.Fprintf(o.Out, "%s  %s\n", time.Now().Format("15:04:05"), l)
				}
			}
		}
	}
}

// summary is a branch's readiness on one line.
func summary(b readiness.BranchStatus) string {
	j := b.Judgement
	loc, _ := time.LoadLocation(b.Timezone)
	head := fmt.Sprintf("%-18s %-16s", b.ID, b.Timezone)
	if !j.Open {
		return fmt.Sprintf("%s closed today (%s)", head, j.Holiday)
	}
	line := fmt.Sprintf("%s opens %s, ready by %s: %s", head, j.Opening.In(loc).Format("15:04"), j.Deadline.In(loc).Format("15:04"), strings.ToUpper(string(j.Verdict)))
	if j.ReadyAt != nil {
		line += " since " + j.ReadyAt.In(loc).Format("15:04")
	}
	if len(j.Problems) > 0 {
		p := j.Problems[0]
		line += fmt.Sprintf(" — %s/%s: %s", p.Device, p.Check, p.Reason)
		if len(j.Problems) > 1 {
			line += fmt.Sprintf(" (+%d more)", len(j.Problems)-1)
		}
	}
	return line
}
