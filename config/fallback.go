package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/branchready/branchready/strictyaml"
)

// Fallback is the agent's own alert when the collector is unreachable.
type Fallback struct {
	SlackWebhookURLFile string        `yaml:"slack_webhook_url_file" doc:"File holding the branch channel's Slack incoming webhook URL. Setting this or slack_webhook_url_env turns the fallback on."`
	SlackWebhookURLEnv  string        `yaml:"slack_webhook_url_env" doc:"Environment variable holding the branch channel's Slack incoming webhook URL."`
	After               time.Duration `yaml:"after" doc:"How long without an acknowledgement from the collector makes it unreachable; default 10m."`
	Window              time.Duration `yaml:"window" doc:"How close to the readiness deadline (before or after) a blocking failure must be to post; default 1h."`
}

// Enabled says whether a webhook is configured.
func (f *Fallback) Enabled() bool { return f.SlackWebhookURLFile != "" || f.SlackWebhookURLEnv != "" }

// validate checks the settings; the URL itself is read by resolve.
func (f *Fallback) validate(p *strictyaml.Problems) {
	if f.SlackWebhookURLFile != "" && f.SlackWebhookURLEnv != "" {
		p.Addf("fallback", "set only one of slack_webhook_url_file and slack_webhook_url_env")
	}
	if f.After < 0 {
		p.Addf("fallback.after", "%s: must not be negative", f.After)
	}
	if f.Window < 0 {
		p.Addf("fallback.window", "%s: must not be negative", f.Window)
	}
}

// resolve reads the webhook URL. Like the token, a missing file or variable
// is not a configuration error (validate may run elsewhere): run logs it and
// goes without the fallback. Errors name the source, never the value.
func (f *Fallback) resolve(p *strictyaml.Problems, getenv func(string) string, readFile func(string) ([]byte, error), dir string) (Secret, error) {
	var v string
	switch {
	case f.SlackWebhookURLFile != "":
		fp := f.SlackWebhookURLFile
		if !filepath.IsAbs(fp) {
			fp = filepath.Join(dir, fp)
		}
		b, err := readFile(fp)
		if err != nil {
			return "", fmt.Errorf("%s:%d: fallback.slack_webhook_url_file: %w", p.File, p.Lines.Line("fallback.slack_webhook_url_file"), err)
		}
		v = string(b)
	case f.SlackWebhookURLEnv != "":
		v = getenv(f.SlackWebhookURLEnv)
		if v == "" {
			return "", fmt.Errorf("%s:%d: fallback.slack_webhook_url_env: environment variable %s is empty or not set",
				p.File, p.Lines.Line("fallback.slack_webhook_url_env"), f.SlackWebhookURLEnv)
		}
	default:
		return "", nil
	}
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
		return "", fmt.Errorf("%s:%d: fallback: the webhook URL does not start with https://", p.File, p.Lines.Line("fallback"))
	}
	return Secret(v), nil
}
