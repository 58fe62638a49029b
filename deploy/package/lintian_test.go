package main

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

// lintianAllowed are the tags the packages carry on purpose.
var lintianAllowed = map[string]string{
	"no-copyright-file":                 "the repository states no licence yet to copy into it",
	"statically-linked-binary":          "the binaries are static on purpose (CGO_ENABLED=0, as make cross builds them)",
	"no-manual-page":                    "the commands document themselves (help) and README.md",
	"maintainer-script-calls-systemctl": "daemon-reload, and the fallback where deb-systemd-invoke is missing",
	"non-standard-dir-perm":             "/etc/branchready/credentials is root-only (0700): it holds the secrets",
	"non-standard-file-perm":            "collector.yaml holds password hashes: 0640 root:branchready-collector",
}

// lintian is Debian's package checker, a test peer (make test installs
// it): any error or warning beyond the allowed ones fails.
func TestLintian(t *testing.T) {
	t.Parallel() // perl, slow (a minute on a loaded machine): alongside dpkg's test, not after it
	bin := testpeer.Require(t, "lintian")
	debs := hostPackages(t)
	args := []string{"--tag-display-limit", "0"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	var paths []string
	for _, p := range debs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out, _ := exec.Command(bin, append(args, paths...)...).CombinedOutput() // exits 1 on any tag: read the tags
	t.Logf("lintian:\n%s", out)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line) // "E: package: tag [context]"
		if len(f) < 3 || (f[0] != "E:" && f[0] != "W:") {
			continue
		}
		if _, ok := lintianAllowed[f[2]]; !ok {
			t.Errorf("lintian: %s", line)
		}
	}
}
