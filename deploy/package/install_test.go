package main

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

// What the packages install, and what a purge must take away.
var (
	agentFiles     = []string{"/usr/bin/branchready-agent", "/usr/lib/systemd/system/branchready-agent.service"}
	collectorFiles = []string{"/usr/bin/branchready-collector", "/usr/lib/systemd/system/branchready-collector.service"}
	conffiles      = []string{"/etc/branchready/branch.yaml", "/etc/branchready/collector.yaml"}
	// Made here as an operator and the services would, for the purge to delete.
	stateAndSecrets = []string{
		"/var/lib/branchready-agent/spool.db", "/var/lib/branchready-collector/branchready.db",
		"/etc/branchready/token", "/etc/branchready/credentials/dsn",
	}
)

// The packages go through dpkg on this machine: install, run, remove,
// purge. dpkg needs root; CI runs as root, so there a non-root run fails.
func TestDpkgInstallsAndRemovesThePackages(t *testing.T) {
	t.Parallel() // with lintian, which reads the same packages
	if os.Geteuid() != 0 {
		testpeer.Missing(t, "dpkg -i needs root")
	}
	dpkg := testpeer.Require(t, "dpkg")
	debs := hostPackages(t)
	names := []string{"branchready-agent", "branchready-collector"}
	if _, err := os.Stat("/etc/branchready"); err == nil && !installed(names[0]) && !installed(names[1]) {
		testpeer.Missing(t, "/etc/branchready exists and is not the packages': this machine runs branchready by hand, so the packages cannot be installed and purged here")
	}
	purge := func() { runDpkg(t, dpkg, append([]string{"--purge"}, names...)...) }
	purge() // a run that died half-way left them behind
	t.Cleanup(purge)

	out := runDpkg(t, dpkg, "--install", debs[names[0]], debs[names[1]])
	t.Run("a first install starts nothing and says what to do", func(t *testing.T) {
		for _, n := range names {
			if !strings.Contains(out, n+": installed, not started") {
				t.Errorf("dpkg output lacks %q:\n%s", n+": installed, not started", out)
			}
		}
	})
	t.Run("the binaries and units are in place", func(t *testing.T) {
		mustExist(t, append(append(agentFiles, collectorFiles...), conffiles...), true)
	})
	t.Run("the installed binaries run", func(t *testing.T) {
		for _, n := range names {
			got := command(t, "/usr/bin/"+n, "version")
			if !strings.Contains(got, n+" "+testDescribe) {
				t.Errorf("%s version: %q, want it to name %s", n, got, testDescribe)
			}
		}
	})
	t.Run("the installed example configurations validate", func(t *testing.T) {
		command(t, "/usr/bin/branchready-agent", "validate", "-c", "/etc/branchready/branch.yaml")
		command(t, "/usr/bin/branchready-collector", "validate", "-c", "/etc/branchready/collector.yaml")
	})
	t.Run("the collector has its system user, which can read its configuration", checkCollectorUser)
	t.Run("systemd-analyze verify accepts the installed units", func(t *testing.T) {
		analyze := testpeer.Require(t, "systemd-analyze")
		args := []string{"verify", "/usr/lib/systemd/system/branchready-agent.service", "/usr/lib/systemd/system/branchready-collector.service"}
		if out, err := exec.Command(analyze, args...).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze %v: %v\n%s", args, err, out)
		}
	})
	t.Run("a reinstall keeps an edited configuration", func(t *testing.T) {
		const edit = "\n# edited by the operator\n"
		appendTo(t, "/etc/branchready/collector.yaml", edit)
		runDpkg(t, dpkg, "--install", debs[names[1]])
		if b, _ := os.ReadFile("/etc/branchready/collector.yaml"); !bytes.HasSuffix(b, []byte(edit)) {
			t.Errorf("the reinstall replaced the edited collector.yaml")
		}
		checkCollectorUser(t)
	})

	for _, p := range stateAndSecrets {
		writeFile(t, p)
	}
	runDpkg(t, dpkg, "--remove", names[0], names[1])
	t.Run("a removal takes the binaries and units and keeps configuration, state and user", func(t *testing.T) {
		mustExist(t, append(agentFiles, collectorFiles...), false)
		mustExist(t, append(conffiles, stateAndSecrets...), true)
		if _, err := user.Lookup("branchready-collector"); err != nil {
			t.Errorf("the removal deleted the collector's user: %v", err)
		}
	})

	runDpkg(t, dpkg, "--purge", names[0], names[1])
	t.Run("a purge takes configuration, state, secrets and the user", func(t *testing.T) {
		mustExist(t, append(append(conffiles, stateAndSecrets...), "/etc/branchready"), false)
		if _, err := user.Lookup("branchready-collector"); err == nil {
			t.Errorf("the collector's user outlived the purge")
		}
		if _, err := user.LookupGroup("branchready-collector"); err == nil {
			t.Errorf("the collector's group outlived the purge")
		}
		for _, n := range names {
			if installed(n) {
				t.Errorf("dpkg still knows %s", n)
			}
		}
	})
}

func checkCollectorUser(t *testing.T) {
	t.Helper()
	u, err := user.Lookup("branchready-collector")
	if err != nil {
		t.Fatalf("no collector user: %v", err)
	}
	if u.HomeDir != "/var/lib/branchready-collector" {
		t.Errorf("home %q, want the state directory", u.HomeDir)
	}
	fi, err := os.Stat("/etc/branchready/collector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o640 || st.Uid != 0 || strconv.Itoa(int(st.Gid)) != u.Gid {
		t.Errorf("collector.yaml: %v %d:%d, want -rw-r----- 0:%s", fi.Mode().Perm(), st.Uid, st.Gid, u.Gid)
	}
}

// runDpkg runs dpkg, waiting out another dpkg or apt that holds the lock
// (another package install on this machine), for up to five minutes.
func runDpkg(t *testing.T, dpkg string, args ...string) string {
	t.Helper()
	args = append([]string{"--force-confdef", "--force-confold"}, args...)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		cmd := exec.Command(dpkg, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err == nil {
			return string(out)
		}
		if !bytes.Contains(out, []byte("lock")) || time.Now().After(deadline) {
			t.Fatalf("dpkg %v: %v\n%s", args, err, out)
		}
		time.Sleep(time.Second)
	}
}

func installed(name string) bool {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", name).Output()
	return err == nil && strings.Contains(string(out), "installed") && !strings.Contains(string(out), "not-installed")
}

func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func mustExist(t *testing.T, paths []string, want bool) {
	t.Helper()
	for _, p := range paths {
		_, err := os.Lstat(p)
		if got := err == nil; got != want {
			t.Errorf("%s exists: %v, want %v", p, got, want)
		}
	}
}

func writeFile(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, p, text string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
