package snmp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks/golden"
	"github.com/branchready/branchready/strictyaml"
)

// A golden case is a folder in testdata/ with the device's data
// (device.snmprec, snmpsim's format), the check's options (check.yaml,
// without address) and the expected verdict (want.txt, the address written
// as ADDR).
func goldenCases(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "device.snmprec"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(filepath.Dir(d)))
	}
	return out
}

func readCase(t *testing.T, name string) (Config, string, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name, "check.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if _, errs := strictyaml.Decode(name+"/check.yaml", raw, &c); len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	data, err := os.ReadFile(filepath.Join("testdata", name, "device.snmprec"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join("testdata", name, "want.txt"))
	return c, string(data), strings.TrimSpace(string(want))
}

func verdict(chk *Check, addr string) string {
	status, reason := run(chk, 3*time.Second)
	return status + ": " + strings.ReplaceAll(reason, addr, "ADDR")
}

// TestGoldenCasesAgainstSnmpsim serves every case from one snmpsim, each
// under its own community, and compares the verdicts with want.txt.
func TestGoldenCasesAgainstSnmpsim(t *testing.T) {
	cases := goldenCases(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, name := range cases {
		_, rec, _ := readCase(t, name)
		write(t, filepath.Join(data, name+".snmprec"), rec, 0o644)
	}
	addr := startSnmpsim(t, data)
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			c, _, _ := readCase(t, name)
			c.Address, c.Community = addr, name
			got := verdict(mustNew(t, c, nil), addr)
			golden.Compare(t, filepath.Join("testdata", name, "want.txt"), got+"\n")
		})
	}
}

// TestGoldenCasesAgainstSnmpd serves the same data through Net-SNMP's
// snmpd and its pass directive: two independent agents, one verdict.
func TestGoldenCasesAgainstSnmpd(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			c, rec, want := readCase(t, name)
			addr := startSnmpd(t, rec)
			c.Address, c.Community = addr, "branch"
			if got := verdict(mustNew(t, c, nil), addr); got != want {
				t.Errorf("verdict:\n got %s\nwant %s", got, want)
			}
		})
	}
}
