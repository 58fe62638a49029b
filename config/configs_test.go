package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/agent"
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
			case strings.Contains(path, "/profiles/"):
				// Profiles are checked by the profile tests.
			case strings.HasSuffix(path, ".yaml"):
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

// readWithFakeToken serves token files (which live on branch PCs, not in
// the repository) and reads everything else from disk.
func readWithFakeToken(path string) ([]byte, error) {
	if strings.Contains(path, "token") {
		return []byte("0123456789abcdef-test-token"), nil
	}
	return os.ReadFile(path)
}
