package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/preview"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/webhook"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/board"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
)

// AlertOptions are what the alert engine is built from.
type AlertOptions struct {
	Config alerting.Config
	// Dir resolves the template and secret files the config names.
	Dir string
	// Getenv reads secrets named by *_env; os.Getenv when nil.
	Getenv func(string) string
	// HTTPClient talks to Slack and webhooks; a 30 s client when nil.
	HTTPClient *http.Client
	// Lease is how long a claimed notification is ours (shortened in tests).
	Lease time.Duration
	// Tick is how often time advances for every branch; default 20s.
	Tick time.Duration
	// CommandWait bounds how long an acknowledgement asked of a collector
	// waits for the alert engine's outcome before answering "accepted";
	// alerting.DefaultCommandWait when zero (shortened in tests).
	CommandWait time.Duration
}

// alertParts is the running alert engine of a server.
type alertParts struct {
	svc      *alerting.Service
	deliver  *outbox.Deliverer
	socket   *slack.SocketOptions
	secrets  alerting.Secrets
	policyOK bool
}

// buildAlerts compiles the alerts configuration and wires the engine, the
// delivery loop, the routes and the metrics. A store without the alert
// tables (none today) runs without alerts.
func buildAlerts(o ServerOptions, mux auth.Mux, reg *prometheus.Registry, login func(http.Handler) http.Handler, dir *branchdir.Dir) (*alertParts, error) {
	st, ok := o.Store.(alerting.Store)
	if !ok {
		return nil, nil
	}
	ao := o.Alerts
	cfg := ao.Config
	if ao.Lease == 0 {
		ao.Lease = cfg.OutboxLease
	}
	pol, secrets, err := compileAlerts(ao)
	if err != nil {
		return nil, err
	}
	notifiers := map[string]notify.Notifier{preview.Name: &preview.Notifier{}}
	if secrets.SlackToken != "" {
		notifiers[slack.Name] = slack.New(slack.Options{Token: secrets.SlackToken, APIURL: cfg.Slack.APIURL, HTTPClient: ao.HTTPClient, Log: o.Log})
	}
	for _, w := range cfg.Webhooks {
		n := webhook.New(webhook.Options{Name: w.Name, URL: w.URL, Secret: secrets.Webhook[w.Name], HTTPClient: ao.HTTPClient})
		notifiers[n.Name()] = n
	}
	prom := outbox.NewPrometheus()
	reg.MustRegister(prom.Collectors()...)
	d := &outbox.Deliverer{Store: st, Notifiers: notifiers, Now: o.Now, Log: o.Log, Metrics: prom, Lease: ao.Lease,
		OnConfigError: func(e outbox.ConfigError) {
			o.Log.Error("a notification cannot be delivered: fix the alerts configuration or the Slack app", "notifier", e.Notifier,
				"target", e.Target, "reason", e.Reason, "err", e.Error)
		}}
	m := alerting.NewMetrics()
	m.Register(reg)
	var signal func(context.Context, string) error
	if sg, ok := o.Store.(store.CommandSignal); ok {
		signal = sg.Signal
	}
	svc := alerting.New(alerting.Options{Store: st, Policy: pol, Log: o.Log, Now: o.Now, Decided: d.Kick, Tick: ao.Tick, Metrics: m,
		Signal: signal, CommandWait: ao.CommandWait, Branches: dir, Claimed: d.Offer, ClaimLease: d.Leased()})
	api.RegisterAlerts(mux, svc, o.Store, o.Now, o.Log, login)
	board.RegisterAlerts(mux, svc, o.Store, func() []string { return problems(d) }, o.Now, o.Log, login)
	onAction := slackAction(svc, o.Log)
	p := &alertParts{svc: svc, deliver: d, secrets: secrets, policyOK: true}
	if secrets.SigningSecret != "" {
		mux.Handle("POST /slack/interactions", slack.NewInteractions(slack.InteractionOptions{
			SigningSecret: secrets.SigningSecret, OnAction: onAction, Now: o.Now, Log: o.Log}))
	}
	if secrets.AppToken != "" {
		p.socket = &slack.SocketOptions{AppToken: secrets.AppToken, BotToken: secrets.SlackToken, APIURL: cfg.Slack.APIURL,
			HTTPClient: ao.HTTPClient, OnAction: onAction, Log: o.Log}
	}
	if !cfg.Enabled() {
		o.Log.Info("alerts: no route is configured; incidents are tracked and shown on the board, nothing is sent")
	}
	return p, nil
}

// slackWait is how long a button press waits for the alert engine: Slack
// shows the user an error when the answer takes over three seconds.
const slackWait = 2 * time.Second

// slackAction applies a button pressed in Slack through the command queue,
// so that it works on whichever collector the press reaches. A press the
// engine has not applied within slackWait is kept and answered as done:
// the message in Slack changes once the leader applies it.
func slackAction(svc *alerting.Service, log *slog.Logger) slack.ActionFunc {
	return func(ctx context.Context, a slack.Action) error {
		by := a.UserName
		if by == "" {
			by = a.User
		}
		c := alerting.Command{Key: a.Key, Incident: a.IncidentID, Action: alerting.ActAck, By: by + " (Slack)"}
		if a.Kind == notify.Snooze {
			c.Action, c.Snooze = alerting.ActSnooze, a.Snooze
		}
		ctx, cancel := context.WithTimeout(ctx, slackWait)
		defer cancel()
		err := svc.Submit(ctx, c)
		if errors.Is(err, alerting.ErrQueued) {
			log.Info("slack button queued: the alert engine applies it when available", "incident", c.Incident, "action", c.Action, "by", c.By)
			return nil
		}
		return err
	}
}

// problems lists the notifiers' configuration errors in words.
func problems(d *outbox.Deliverer) []string {
	var out []string
	for _, e := range d.Problems() {
		out = append(out, fmt.Sprintf("%s to %s: %s", e.Notifier, e.Target, e.Reason))
	}
	return out
}

// run starts the engine, the delivery loop and Socket Mode until ctx ends;
// the returned wait blocks until they have stopped (before the store closes).
func (p *alertParts) run(ctx context.Context, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := p.svc.Run(ctx); err != nil {
			log.Error("alert engine stopped; incidents are not updated", "err", err)
		}
	})
	wg.Go(func() {
		if err := p.deliver.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("notification delivery stopped", "err", err)
		}
	})
	if p.socket != nil {
		wg.Go(func() {
			if err := slack.RunSocketMode(ctx, *p.socket); err != nil {
				log.Error("Slack Socket Mode stopped: buttons do not work", "err", err)
			}
		})
	}
	return wg.Wait
}

// CheckAlerts reads what the alerts configuration names (templates,
// secrets) so that a mistake stops the collector at start with a clear
// error instead of turning alerts off.
func CheckAlerts(o AlertOptions) error {
	_, _, err := compileAlerts(o)
	return err
}

// compileAlerts reads the templates and secrets the configuration names
// and compiles the engine's policy: what both start-up's check and the
// server need.
func compileAlerts(o AlertOptions) (*alerts.Policy, alerting.Secrets, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	tmpl, err := o.Config.ReadTemplates(o.Dir, os.ReadFile)
	if err != nil {
		return nil, alerting.Secrets{}, err
	}
	pol, err := alerts.New(o.Config.Config, tmpl)
	if err != nil {
		return nil, alerting.Secrets{}, err
	}
	secrets, err := o.Config.Resolve(o.Dir, o.Getenv)
	return pol, secrets, err
}
