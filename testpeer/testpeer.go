package testpeer

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of program, or stops the test: a failure in CI,
// a skip elsewhere (run `make test` to install the peers).
func Require(t testing.TB, program string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	Missing(t, program+" is not installed (make test installs the test peers)")
	return ""
}

// Missing stops the test because a peer is unavailable: fatal when CI=true.
func Missing(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("test peer missing in CI: %s", why)
	}
	t.Skipf("test peer missing (fails in CI): %s", why)
}

// InCI reports whether the tests run in CI, where every peer must be present.
func InCI() bool { return os.Getenv("CI") == "true" }
