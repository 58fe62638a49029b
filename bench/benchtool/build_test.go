//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The module cross-builds for the branch PCs' Windows (GOOS=windows go
// build ./...), so this Linux-only tool must build there too, as a stub.
func TestBenchtoolBuildsForWindows(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package for Windows")
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "benchtool.exe"), ".")
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go build: %v\n%s", err, out)
	}
}
