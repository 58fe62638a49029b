package golden

import (
	"os"
	"testing"

	"github.com/branchready/branchready/strictyaml"
)

// Compare checks got against file, or rewrites file when update is set.
func Compare(t testing.TB, file, got string, update bool) {
	t.Helper()
	if update {
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
