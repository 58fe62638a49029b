package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnrollFindsWhereTheTokenGoes(t *testing.T) {
	dir := t.TempDir()
	conf := func(body string) string {
		p := filepath.Join(dir, "agent.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noEnv := func(string) string { return "" }
	for _, c := range []struct {
		name, cfg, out, want, hint string
		env                        func(string) string
	}{
		{name: "the configuration's token_file is used, relative to it",
			cfg: "collector: {url: 'https://c.example', token_file: secret/token}\n", want: filepath.Join(dir, "secret", "token")},
		{name: "without token_file the token goes to the state directory, with a hint",
			cfg: "agent: {state_dir: /var/lib/br}\ncollector: {url: 'https://c.example'}\n", want: "/var/lib/br/token", hint: "token_file: /var/lib/br/token"},
		{name: "the service's state directory is used when the configuration names none",
			cfg: "collector: {url: 'https://c.example'}\n", env: func(string) string { return "/run/state" }, want: "/run/state/token"},
		{name: "--out wins", cfg: "collector: {url: 'https://c.example', token_file: t}\n", out: "/tmp/x/token", want: "/tmp/x/token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := c.env
			if env == nil {
				env = noEnv
			}
			o, hint, err := enrollOptions(conf(c.cfg), "", c.out, env)
			if err != nil || o.TokenPath != c.want || o.Collector != "https://c.example" || !strings.Contains(hint, c.hint) {
				t.Fatalf("enrollOptions = %+v, %q, %v; want token at %s, hint %q", o, hint, err, c.want, c.hint)
			}
		})
	}
	t.Run("without a collector URL it says what to give", func(t *testing.T) {
		if _, _, err := enrollOptions("", "", "", noEnv); err == nil || !strings.Contains(err.Error(), "--collector") {
			t.Fatalf("err = %v", err)
		}
	})
}
