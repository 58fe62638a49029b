package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse parses arbitrary branch configurations, seeded from the
// examples and the invalid test files: every input ends in a configuration
// or an error, never a crash, and no file is read.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../configs/examples/*.yaml", "testdata/invalid/*.yaml", "../configs/profiles/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	noFiles := func(string) ([]byte, error) { return nil, errors.New("no files while fuzzing") }
	noEnv := func(string) string { return "" }
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("/etc/branchready/branch.yaml", data, noEnv, noFiles)
		if (l == nil) == (err == nil) {
			t.Fatalf("configuration %v and error %v: want exactly one", l != nil, err)
		}
	})
}
