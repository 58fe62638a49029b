package serial

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/strictyaml"
)

// TestDocExampleBuilds keeps the example in docs/checks/serial.md valid: it
// decodes strictly as a check entry and New accepts it.
func TestDocExampleBuilds(t *testing.T) {
	md, err := os.ReadFile("../../docs/checks/serial.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(md), "```yaml\n")
	if len(parts) != 2 {
		t.Fatalf("want exactly one yaml block, found %d", len(parts)-1)
	}
	block, _, _ := strings.Cut(parts[1], "```")
	var entry struct {
		Name    string        `yaml:"name"`
		Timeout time.Duration `yaml:"timeout"`
		Kind    *Config       `yaml:"serial"`
	}
	if _, errs := strictyaml.Decode("serial.md", []byte(block), &entry); len(errs) > 0 {
		t.Fatalf("the example does not decode: %v", errs)
	}
	if entry.Kind == nil {
		t.Fatal("the example has no serial block")
	}
	if _, err := New(*entry.Kind, Hardware{}); err != nil {
		t.Errorf("the example is rejected: %v", err)
	}
}
