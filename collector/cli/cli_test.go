package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheCollectorChecksItsConfigurationWithoutServing(t *testing.T) {
	good := filepath.Join("..", "..", "configs", "collector", "collector.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("store: {driver: mysql}\nusers: [{name: ops, password_bcrypt: x}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{name: "validate accepts the example configuration", args: []string{"validate", "-c", good}, code: 0, out: "valid: listen 127.0.0.1:8080 (plain HTTP), store sqlite, 1 branch tokens in agents:, 4 users"},
		{name: "serve --config.check accepts it too and exits", args: []string{"serve", "-c", good, "--config.check"}, code: 0, out: "valid"},
		{name: "validate names the file, line and rule of a broken one", args: []string{"validate", "-c", bad}, code: 1, err: bad + `:1: store.driver: "mysql": must be sqlite or postgres`},
		{name: "serve --config.check fails on it", args: []string{"serve", "--config.check", "-c", bad}, code: 1, err: "must be a bcrypt hash"},
		{name: "an unknown log format is refused before serving", args: []string{"serve", "-c", good, "--log.format=xml"}, code: 1, err: `--log.format "xml": must be logfmt or json`},
		{name: "loadgen --wave refuses a growth list that is not sizes", args: []string{"loadgen", "--wave", "--growth", "2000,many"}, code: 1, err: `--growth "2000,many": want sizes like 2000,5000,10000,20000`},
		{name: "loadgen --wave refuses a negative number of readers", args: []string{"loadgen", "--wave", "--readers", "-1"}, code: 1, err: "readers >= 0"},
		{name: "loadgen refuses more branches than results, which would leave branches silent", args: []string{"loadgen", "--branches", "20000", "--results", "800"}, code: 1, err: "results >= branches"},
		{name: "version says which build this is", args: []string{"version"}, code: 0, out: "branchready-collector devel (revision"},
		{name: "a command's -h prints its usage and exits 0, as Go's flag does", args: []string{"serve", "-h"}, code: 0, err: "Usage: branchready-collector serve -c FILE"},
		{name: "a subcommand's -h too", args: []string{"branches", "import", "-h"}, code: 0, err: "Usage: branchready-collector branches import"},
		{name: "an unknown flag is a usage error: exit 2", args: []string{"serve", "--bogus"}, code: 2, err: "flag provided but not defined: -bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout to contain %q, stderr %q", code, tc.code, out.String(), errb.String(), tc.out, tc.err)
			}
		})
	}
}
