package registry_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/strictyaml"
)

// The registry, the config types, the JSON schema and the docs must list
// the same kinds: a kind that is registered but undocumented, or
// documented but not configurable, is a broken promise.
func TestRegistryConfigSchemaAndDocsAgree(t *testing.T) {
	reg := registry.Names()
	cfg := config.Kinds()
	sort.Strings(cfg)
	if !slices.Equal(reg, cfg) {
		t.Errorf("registry kinds %v, config kinds %v", reg, cfg)
	}
	schema, err := os.ReadFile("../../configs/branch.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range reg {
		if !strings.Contains(string(schema), `"`+k+`": {`) {
			t.Errorf("kind %s missing from configs/branch.schema.json (run make schema)", k)
		}
	}
	docs, _ := filepath.Glob("../../docs/checks/*.md")
	var documented []string
	for _, d := range docs {
		documented = append(documented, strings.TrimSuffix(filepath.Base(d), ".md"))
	}
	sort.Strings(documented)
	if !slices.Equal(reg, documented) {
		t.Errorf("registry kinds %v, documented kinds (docs/checks/*.md) %v", reg, documented)
	}
}

var (
	yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")
	envOption = regexp.MustCompile(`_env:\s*"?([A-Z_][A-Z0-9_]*)`)
)

// Each kind's doc carries one example check; it must decode strictly and
// compile, so that what a user copies from the docs works.
func TestDocExamplesCompile(t *testing.T) {
	for _, kind := range registry.Names() {
		t.Run(kind, func(t *testing.T) {
			md, err := os.ReadFile(filepath.Join("../../docs/checks", kind+".md"))
			if err != nil {
				t.Fatal(err)
			}
			blocks := yamlBlock.FindAllStringSubmatch(string(md), -1)
			if len(blocks) != 1 {
				t.Fatalf("%d yaml blocks in docs/checks/%s.md, want exactly one example", len(blocks), kind)
			}
			// Secrets named by *_env options are set, as on a configured branch PC.
			for _, m := range envOption.FindAllStringSubmatch(blocks[0][1], -1) {
				t.Setenv(m[1], "example-secret-value-0123")
			}
			var c config.Check
			if _, errs := strictyaml.Decode(kind+".md", []byte(blocks[0][1]), &c); len(errs) > 0 {
				t.Fatal(errs.Err())
			}
			if got := c.Kind(); got != kind {
				t.Fatalf("example is a %q check, want %q", got, kind)
			}
			src := "branch: {id: b, name: B, timezone: UTC, hours: {mon: \"09:00-17:00\"}}\ndevices:\n  - id: d\n    kind: other\n    checks:\n" +
				listItem(blocks[0][1], "      ")
			l, err := config.Parse("example.yaml", []byte(src), func(string) string { return "example-secret-value-0123" }, func(string) ([]byte, error) {
				return []byte("example-secret-value-0123"), nil
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			cs, err := registry.Compile(l, registry.Env{})
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			if w := registry.Warnings(l, cs); len(w) > 0 {
				t.Errorf("the example draws warnings: %v", w.Err())
			}
		})
	}
}

// listItem indents a YAML mapping as one item of a list.
func listItem(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = pre + "- " + l
		} else {
			lines[i] = pre + "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestValidateWarnsAboutWaitsThatCannotFitTheTimeout(t *testing.T) {
	src := `branch: {id: b, name: B, timezone: UTC, hours: {mon: "09:00-17:00"}}
devices:
  - id: phone-line
    kind: phone_line
    checks:
      - name: dial-tone
        timeout: 10s
        modem:
          port: /dev/ttyACM0
          dial_timeout: 10s
      - name: dial-tone-roomy
        timeout: 15s
        modem: {port: /dev/ttyACM0}
  - id: atm-01
    kind: atm
    checks:
      - name: ping
        icmp:
          host: 10.1.2.3
          count: 30
      - name: ping-short
        timeout: 1s
        icmp: {host: 10.1.2.3, count: 5, interval: 500ms, wait: 1s}
      - name: ping-fine
        icmp: {host: 10.1.2.3}
  - id: counter
    kind: counter
    checks:
      - name: status
        timeout: 5s
        serial:
          port: /dev/ttyUSB0
          preset: id003
          reply_timeout: 20s
`
	l, err := config.Parse("branch.yaml", []byte(src), func(string) string { return "" }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := registry.Compile(l, registry.Env{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"branch.yaml:10: devices[0].checks[0].modem.dial_timeout: 10s is not below the check's timeout (10s): the time runs out before the dial-tone test can end; set the check's timeout to at least 15s (dial_timeout plus a few commands) or lower dial_timeout",
		"branch.yaml:20: devices[1].checks[0].icmp.count: 30 pings 500ms apart with a 1s wait need 15.5s, beyond the check's timeout (10s): raise the check's timeout to at least 16.5s, or lower count, interval or wait",
		"branch.yaml:23: devices[1].checks[1].icmp.count: 5 pings 500ms apart with a 1s wait need 3s, beyond the check's timeout (1s): raise the check's timeout to at least 4s, or lower count, interval or wait",
		"branch.yaml:34: devices[2].checks[0].serial.reply_timeout: 20s is beyond the check's timeout (5s): the check's timeout ends the wait first; set reply_timeout below it, or raise the check's timeout above 20s",
	}
	var got []string
	for _, w := range registry.Warnings(l, cs) {
		got = append(got, w.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
