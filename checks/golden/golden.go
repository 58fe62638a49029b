package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/branchready/branchready/strictyaml"
)

// update is the -update flag of every test binary that imports golden (the
// package is imported by tests only).
var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from what the tests produce")

// Updating reports whether the test binary runs with -update.
func Updating() bool { return *update }

// Compare checks got against file, or rewrites file under -update.
func Compare(t testing.TB, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", file, got, want)
	}
}

// Cases runs fn as a subtest for each folder testdata/<case>/ that holds
// file, named after the folder, with dir the folder's path. It fails when
// there is no case at all: a moved testdata must not pass silently.
func Cases(t *testing.T, file string, fn func(t *testing.T, dir string)) {
	t.Helper()
	found, err := filepath.Glob(filepath.Join("testdata", "*", file))
	if err != nil || len(found) == 0 {
		t.Fatalf("no golden cases (testdata/*/%s): %v", file, err)
	}
	for _, f := range found {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) { fn(t, dir) })
	}
}

// Decode reads a case's options strictly, as the agent would.
func Decode[T any](t testing.TB, file string) T {
	t.Helper()
	var v T
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := strictyaml.Decode(file, data, &v); len(errs) > 0 {
		t.Fatalf("decode: %v", errs)
	}
	return v
}
