package alerting

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/strictyaml"
)

// Config is the collector configuration's alerts: section: the engine's
// rules (alerts.Config, inline) and the notifiers' connections.
type Config struct {
	alerts.Config `yaml:",inline"`
	Slack         SlackConfig     `yaml:"slack" doc:"The Slack app that posts, edits and threads incident messages."`
	Webhooks      []WebhookConfig `yaml:"webhooks" doc:"Generic JSON webhooks (signed with HMAC-SHA256), routed to as webhook:NAME."`
	// OutboxLease bounds how long a notification claimed by a collector
	// that died mid-delivery waits before it is delivered again.
	OutboxLease time.Duration `yaml:"outbox_lease" doc:"How long a collector's claim on a notification it is delivering lasts; renewed every quarter of it while the collector lives, so the notifications of one that dies are taken over within this. Default 15s, at least 5s."`
}

// SlackConfig connects to Slack's Web API with a bot token.
type SlackConfig struct {
	APIURL            string `yaml:"api_url" doc:"Slack Web API base URL; default https://slack.com/api/ (tests and staging point elsewhere)."`
	TokenFile         string `yaml:"token_file" doc:"File holding the bot token (xoxb-...)."`
	TokenEnv          string `yaml:"token_env" doc:"Environment variable holding the bot token."`
	SigningSecretFile string `yaml:"signing_secret_file" doc:"File holding the app's signing secret, for POST /slack/interactions (buttons)."`
	SigningSecretEnv  string `yaml:"signing_secret_env" doc:"Environment variable holding the signing secret."`
	AppTokenEnv       string `yaml:"app_token_env" doc:"Environment variable holding an app-level token (xapp-...): buttons arrive over Socket Mode instead of the interactions endpoint."`
}

// WebhookConfig is one generic webhook.
type WebhookConfig struct {
	Name       string `yaml:"name" doc:"Route to it as webhook:NAME."`
	URL        string `yaml:"url" doc:"Where the JSON is posted (https)."`
	SecretFile string `yaml:"secret_file" doc:"File holding the HMAC-SHA256 key of the X-Branchready-Signature header."`
	SecretEnv  string `yaml:"secret_env" doc:"Environment variable holding the key."`
}

// Secrets are the resolved credentials of a Config.
type Secrets struct {
	SlackToken, SigningSecret, AppToken config.Secret
	Webhook                             map[string]config.Secret
}

// Enabled reports whether Slack is configured.
func (s *SlackConfig) Enabled() bool { return s.TokenFile != "" || s.TokenEnv != "" }

var webhookName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Validate reports every problem of the section under prefix, resolving
// relative files against dir.
func (c *Config) Validate(p *strictyaml.Problems, prefix, dir string) {
	known := func(n string) bool {
		if n == "board" {
			return true
		}
		if n == "slack" {
			return c.Slack.Enabled()
		}
		for _, w := range c.Webhooks {
			if n == "webhook:"+w.Name {
				return true
			}
		}
		return false
	}
	c.Config.Validate(p, prefix, known)
	at := func(s string) string { return prefix + "." + s }
	if c.OutboxLease != 0 && c.OutboxLease < 5*time.Second {
		p.Addf(at("outbox_lease"), "%s: must be at least 5s (a Slack call can take that long)", c.OutboxLease)
	}
	s := c.Slack
	if s.TokenFile != "" && s.TokenEnv != "" {
		p.Addf(at("slack"), "set only one of token_file and token_env")
	}
	if s.SigningSecretFile != "" && s.SigningSecretEnv != "" {
		p.Addf(at("slack"), "set only one of signing_secret_file and signing_secret_env")
	}
	if !s.Enabled() && (s.SigningSecretFile != "" || s.SigningSecretEnv != "" || s.AppTokenEnv != "") {
		p.Addf(at("slack"), "buttons need the bot token too: set token_file or token_env")
	}
	if s.APIURL != "" {
		if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Addf(at("slack.api_url"), "%q: want an http(s) URL such as https://slack.com/api/", s.APIURL)
		}
	}
	names := map[string]bool{}
	for i, w := range c.Webhooks {
		wp := strictyaml.Index(at("webhooks"), i)
		if !webhookName.MatchString(w.Name) {
			p.Addf(wp+".name", "%q: want lowercase letters, digits, '-' or '_'", w.Name)
		}
		if names[w.Name] {
			p.Addf(wp+".name", "%q: listed twice", w.Name)
		}
		names[w.Name] = true
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Addf(wp+".url", "want an http(s) URL")
		}
		if w.SecretFile != "" && w.SecretEnv != "" {
			p.Addf(wp, "set only one of secret_file and secret_env")
		}
	}
	_ = dir
}

// Resolve reads the secrets the section names. Errors name the file or
// variable, never the value.
func (c *Config) Resolve(dir string, getenv func(string) string) (Secrets, error) {
	var s Secrets
	var err error
	if s.SlackToken, err = secret("alerts.slack.token", c.Slack.TokenFile, c.Slack.TokenEnv, dir, getenv); err != nil {
		return s, err
	}
	if s.SigningSecret, err = secret("alerts.slack.signing_secret", c.Slack.SigningSecretFile, c.Slack.SigningSecretEnv, dir, getenv); err != nil {
		return s, err
	}
	if s.AppToken, err = secret("alerts.slack.app_token", "", c.Slack.AppTokenEnv, dir, getenv); err != nil {
		return s, err
	}
	s.Webhook = map[string]config.Secret{}
	for _, w := range c.Webhooks {
		if s.Webhook[w.Name], err = secret("alerts.webhooks "+w.Name+" secret", w.SecretFile, w.SecretEnv, dir, getenv); err != nil {
			return s, err
		}
	}
	return s, nil
}

func secret(what, file, env, dir string, getenv func(string) string) (config.Secret, error) {
	switch {
	case file != "":
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, file)
		}
		return config.Secret(v), nil
	case env != "":
		v := strings.TrimSpace(getenv(env))
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty or not set", what, env)
		}
		return config.Secret(v), nil
	}
	return "", nil
}
