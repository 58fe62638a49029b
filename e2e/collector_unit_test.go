package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

// The collector's shipped unit passes systemd-analyze verify and keeps
// its hardening.
func TestCollectorUnit(t *testing.T) {
	data, err := os.ReadFile("../deploy/systemd/branchready-collector.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	t.Run("it runs as its own user, read-only system, secrets as credentials", func(t *testing.T) {
		for _, want := range []string{
			"\nDynamicUser=yes\n", "\nProtectSystem=strict\n", "\nStateDirectory=branchready-collector\n",
			"\nNoNewPrivileges=yes\n", "\nLoadCredential=dsn:", "\nLoadCredential=slack-token:", "\nLoadCredential=slack-signing-secret:",
			"\nCapabilityBoundingSet=\n", "\nPrivateDevices=yes\n",
		} {
			if !strings.Contains(unit, want) {
				t.Errorf("the unit lacks %q", strings.TrimSpace(want))
			}
		}
		if strings.Contains(unit, "Environment=BRANCHREADY_DSN") || strings.Contains(unit, "password=") {
			t.Error("the unit carries a secret in its environment: use LoadCredential")
		}
	})
	t.Run("systemd-analyze verify accepts it", func(t *testing.T) {
		analyze := testpeer.Require(t, "systemd-analyze")
		exe, err := os.Executable() // verify insists that ExecStart is executable
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		unit := strings.Replace(unit, "/usr/local/bin/branchready-collector", exe, 1)
		path := filepath.Join(dir, "branchready-collector.service")
		if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", path).CombinedOutput()
		// Unknown keys are only warnings (exit 0): any output is a failure too.
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
		}
	})
}
