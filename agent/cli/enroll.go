package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/branchready/branchready/agent/enroll"
	"github.com/branchready/branchready/command"
)

// enrollConfig is the part of a branch configuration enroll reads. It is
// read leniently, not with config.Load: before enrollment the token_file it
// names does not exist yet, which Load rightly refuses.
type enrollConfig struct {
	Agent struct {
		StateDir string `yaml:"state_dir"`
	} `yaml:"agent"`
	Collector struct {
		URL       string `yaml:"url"`
		TokenFile string `yaml:"token_file"`
		CAFile    string `yaml:"ca_file"`
	} `yaml:"collector"`
}

func enrollCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "enroll", "--code CODE [--collector URL] [-c FILE] [--out FILE]", stderr)
	cfgPath := fs.String("c", "", "branch configuration `file`: its collector.url, ca_file and token_file (or agent.state_dir) are used")
	collectorURL := fs.String("collector", "", "collector base `URL` (default: the configuration's collector.url)")
	code := fs.String("code", "", "one-time enrollment `code` (branchready-collector branches add --code, or the board)")
	out := fs.String("out", "", "write the token to this `file` (default: collector.token_file, else STATE_DIR/token)")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if *code == "" {
		fmt.Fprintln(stderr, "missing --code CODE")
		fs.Usage()
		return errUsage
	}
	o, hint, err := enrollOptions(*cfgPath, *collectorURL, *out, os.Getenv)
	if err != nil {
		return err
	}
	o.Code = *code
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := enroll.Enroll(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled branch %s; its token is in %s (readable by this account only)\n", res.Branch, res.TokenPath)
	if hint != "" {
		fmt.Fprintln(stdout, hint)
	}
	return nil
}

// enrollOptions works out the collector, its CA and the token's file from
// the flags and the configuration, and a hint to print when the
// configuration does not point at the token yet.
func enrollOptions(cfgPath, collectorURL, out string, getenv func(string) string) (enroll.Options, string, error) {
	var c enrollConfig
	dir := "."
	if cfgPath != "" {
		data, err := os.ReadFile(cfgPath)
		if err != nil {
			return enroll.Options{}, "", fmt.Errorf("read config: %w", err)
		}
		if err := yaml.Unmarshal(data, &c); err != nil {
			return enroll.Options{}, "", fmt.Errorf("%s: %w", cfgPath, err)
		}
		dir = filepath.Dir(cfgPath)
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	o := enroll.Options{Collector: collectorURL, TokenPath: out}
	if o.Collector == "" {
		o.Collector = c.Collector.URL
	}
	if o.Collector == "" {
		return o, "", errors.New("no collector: give --collector URL, or -c FILE with collector.url")
	}
	hint := ""
	if o.TokenPath == "" {
		o.TokenPath = abs(c.Collector.TokenFile)
	}
	if o.TokenPath == "" {
		state := abs(c.Agent.StateDir)
		if state == "" {
			state = getenv("BRANCHREADY_STATE_DIR") // the systemd unit's StateDirectory=
		}
		if state == "" && cfgPath != "" {
			state = filepath.Join(dir, "state")
		}
		if state == "" {
			return o, "", errors.New("no place for the token: give -c FILE, --out FILE, or set BRANCHREADY_STATE_DIR")
		}
		o.TokenPath = filepath.Join(state, "token")
		hint = fmt.Sprintf("point the configuration at it:\n  collector:\n    token_file: %s", o.TokenPath)
	}
	if c.Collector.CAFile != "" {
		pem, err := os.ReadFile(abs(c.Collector.CAFile))
		if err != nil {
			return o, "", fmt.Errorf("collector.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return o, "", fmt.Errorf("collector.ca_file %s: no PEM certificate in it", c.Collector.CAFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		o.Client = &http.Client{Transport: tr}
	}
	return o, hint, nil
}
