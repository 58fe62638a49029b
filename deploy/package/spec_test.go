package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestApplyRewrites(t *testing.T) {
	t.Run("every occurrence is replaced", func(t *testing.T) {
		got, err := applyRewrites("a ../x b ../x", []rewrite{{"../x", "/usr/x"}})
		if err != nil || got != "a /usr/x b /usr/x" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("a rewrite that finds nothing is an error, so a changed example is noticed", func(t *testing.T) {
		if got, err := applyRewrites("a b", []rewrite{{"../x", "/usr/x"}}); err == nil {
			t.Errorf("got %q, want an error", got)
		}
	})
}

func TestCredentialsAreTheFilesTheUnitLoads(t *testing.T) {
	tests := []struct {
		name, unit string
		want       []string
	}{
		{"the agent loads its branch token", "branchready-agent.service", []string{"/etc/branchready/token"}},
		{"the collector loads the DSN and the Slack secrets", "branchready-collector.service", []string{
			"/etc/branchready/credentials/dsn", "/etc/branchready/credentials/slack-token",
			"/etc/branchready/credentials/slack-signing-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(repoRoot, "deploy/systemd", tt.unit))
			if err != nil {
				t.Fatal(err)
			}
			if got := credentials(string(b)); !slices.Equal(got, tt.want) {
				t.Errorf("credentials = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEverySpecSourceExists(t *testing.T) {
	for _, s := range specs() {
		paths := []string{s.Conffile.Source, filepath.Join("deploy/systemd", s.Unit)}
		for _, p := range s.Share {
			paths = append(paths, filepath.Join("configs", p))
		}
		paths = append(paths, s.Docs...)
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
	}
}
