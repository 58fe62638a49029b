package configs

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Editors with the YAML language server validate a file against the schema
// its first line names; every example, collector and holiday file carries
// one that resolves to a schema in this folder.
func TestExampleConfigsNameTheirSchema(t *testing.T) {
	want := map[string]string{"examples": "branch.schema.json", "collector": "collector.schema.json", "holidays": "holidays.schema.json"}
	files, err := filepath.Glob("*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		schema, ok := want[filepath.Dir(f)]
		if !ok {
			continue // profiles: embedded fragments, no schema of their own
		}
		t.Run(f+" names "+schema, func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc := bufio.NewScanner(fh)
			sc.Scan()
			ref, ok := strings.CutPrefix(sc.Text(), "# yaml-language-server: $schema=")
			if !ok {
				t.Fatalf("first line %q, want # yaml-language-server: $schema=../%s", sc.Text(), schema)
			}
			target := filepath.Join(filepath.Dir(f), ref)
			if filepath.Base(target) != schema {
				t.Errorf("names %s, want %s", ref, schema)
			}
			if _, err := os.Stat(target); err != nil {
				t.Errorf("schema %s: %v", ref, err)
			}
		})
	}
}

// The README sends new users to files in configs/; each must exist.
func TestTheReadmeNamesConfigFilesThatExist(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`configs/[A-Za-z0-9_./-]+\.(?:yaml|json)`).FindAllString(string(readme), -1)
	if len(refs) == 0 {
		t.Fatal("the README names no config file")
	}
	for _, ref := range refs {
		if _, err := os.Stat(filepath.Join("..", ref)); err != nil {
			t.Errorf("README names %s: %v", ref, err)
		}
	}
}
