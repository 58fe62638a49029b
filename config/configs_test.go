package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/strictyaml"
)

// Every file shipped in configs/ must load: examples validate and compile,
// holiday calendars and schemas parse. A broken example is a broken promise
// to the user who copies it.
func TestEveryFileInConfigsLoads(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../configs", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		t.Run(strings.TrimPrefix(path, "../configs/"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasSuffix(path, ".go"):
				// The package that embeds the profiles.
			case strings.HasSuffix(path, ".json"):
				var v map[string]any
				if err := json.Unmarshal(data, &v); err != nil {
					t.Fatal(err)
				}
			case strings.Contains(path, "/holidays/"):
				var h config.HolidayFile
				if _, errs := strictyaml.Decode(path, data, &h); len(errs) > 0 {
					t.Fatal(errs.Err())
				}
			case strings.Contains(path, "/collector/"):
				if _, err := collector.LoadConfig(path); err != nil {
					t.Fatal(err)
				}
			case strings.Contains(path, "/profiles/"):
				// Profiles are checked by the profile tests.
			case strings.HasSuffix(path, ".yaml"):
				// Secrets named by *_env options are set, as on a configured branch PC.
				for _, m := range envOption.FindAllStringSubmatch(string(data), -1) {
					t.Setenv(m[1], "example-secret-value-0123")
				}
				l, err := config.Parse(path, data, func(string) string { return "0123456789abcdef-test-token" }, readWithFakeToken)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := agent.Compile(l, nil); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("unexpected file in configs/: %s", path)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("only %d files found in configs/", n)
	}
}

var envOption = regexp.MustCompile(`_env:\s*"?([A-Z_][A-Z0-9_]*)`)

// readWithFakeToken serves token files (which live on branch PCs, not in
// the repository) and reads everything else from disk.
func readWithFakeToken(path string) ([]byte, error) {
	if strings.Contains(path, "token") {
		return []byte("0123456789abcdef-test-token"), nil
	}
	return os.ReadFile(path)
}

// The full example is the reference a branch engineer copies from: it must
// use every check kind.
func TestFullExampleUsesEveryKind(t *testing.T) {
	path := "../configs/examples/full-branch.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range envOption.FindAllStringSubmatch(string(data), -1) {
		t.Setenv(m[1], "example-secret-value-0123")
	}
	l, err := config.Parse(path, data, os.Getenv, readWithFakeToken)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, d := range l.File.Devices {
		for _, c := range d.Checks {
			used[c.Kind()] = true
		}
	}
	for _, k := range config.Kinds() {
		if !used[k] {
			t.Errorf("%s uses no %s check", path, k)
		}
	}
}
