package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/sla/record"
)

func TestKeygenAndVerifyRecord(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	keyFile := filepath.Join(dir, "records.key")
	if code, out, errs := run("keygen", "--out", keyFile); code != 0 || !strings.Contains(out, "records: {signing_key_file: "+keyFile+"}") {
		t.Fatalf("keygen: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := run("keygen", "--out", keyFile); code != 1 || !strings.Contains(errs, "exists") {
		t.Fatalf("a second keygen over the same file: exit %d %s; want a refusal", code, errs)
	}
	kb, _ := os.ReadFile(keyFile)
	key, err := record.ParsePrivateKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	rec := record.Record{Format: record.Format, Branch: "br-001", BranchName: "Main Street", Date: "2026-03-10", Timezone: "UTC", Open: true,
		Verdict: "ready", VerdictAtDeadline: "ready", Items: []record.Item{{Device: "atm-01", Check: "reachable", Status: "ok", Reason: "answered"}},
		Revisions: []record.Revision{}, GeneratedAt: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)}
	file, err := record.Sign(rec, key)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, file, 0o600)
	tampered := append([]byte(nil), file...)
	i := bytes.Index(tampered, []byte(`"answered"`))
	tampered[i+1] = 'A'
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, tampered, 0o600)
	other := filepath.Join(dir, "other.key")
	run("keygen", "--out", other)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an untouched record is valid against the collector's public key", []string{"verify-record", good, "--public-key", filepath.Join(dir, "records.pub")}, 0, "valid: br-001 2026-03-10"},
		{"an untouched record is valid against its own key, which the output says", []string{"verify-record", good}, 0, "pass --public-key"},
		{"a record with one byte changed is tampered with", []string{"verify-record", bad}, 1, "signature does not match"},
		{"a record signed by another key is refused", []string{"verify-record", good, "--public-key", filepath.Join(dir, "other.pub")}, 1, "not by the given key"},
		{"a missing file cannot be checked", []string{"verify-record", filepath.Join(dir, "none.json")}, 2, "no such file"},
		{"no file is a usage error", []string{"verify-record"}, 2, "missing the record FILE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant %q", code, tc.code, out, errs, tc.want)
			}
		})
	}
}
