package config_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/config"
)

var update = flag.Bool("update", false, "rewrite golden files (configs/*.schema.json)")

// The schemas in configs/ are generated from the Go types; this fails when
// someone changes the types and forgets to regenerate them with
// `go test ./config -update`.
func TestSchemasInConfigsAreCurrent(t *testing.T) {
	for file, gen := range map[string]func() ([]byte, error){
		"branch.schema.json":    config.Schema,
		"holidays.schema.json":  config.HolidaySchema,
		"collector.schema.json": collector.Schema,
	} {
		t.Run(file, func(t *testing.T) {
			want, err := gen()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			path := filepath.Join("..", "configs", file)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run `go test ./config -update` and commit the result", path)
			}
		})
	}
}
