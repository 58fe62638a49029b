package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

const (
	repoRoot = "../.."
	// testDescribe is stamped into the test's binaries as make stamps VERSION.
	testDescribe = "v1.2.3-4-gabcdef0"
	testVersion  = "1.2.3+4.gabcdef0"
)

var (
	buildOnce sync.Once
	built     builtPackages
	tempDirs  []string // removed by TestMain
)

type builtPackages struct {
	debs map[string]string // package name → .deb
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// hostPackages builds the real binaries for this machine (static, without
// -race, as make cross does) and both packages from them, once for all
// tests. gzip:1 instead of make package's xz: the pure-Go xz takes most of
// a minute per package on a loaded machine, and dpkg reads either alike.
func hostPackages(t *testing.T) map[string]string {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		testpeer.Missing(t, fmt.Sprintf("packages are built for linux amd64 and arm64, not %s/%s", runtime.GOOS, runtime.GOARCH))
	}
	buildOnce.Do(func() { built = buildHostPackages() })
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.debs
}

func buildHostPackages() builtPackages {
	dir, err := os.MkdirTemp("", "branchready-package-test-")
	if err != nil {
		return builtPackages{err: err}
	}
	tempDirs = append(tempDirs, dir)
	bin := filepath.Join(dir, "bin")
	cmd := exec.Command("go", "build", "-ldflags",
		"-s -w -X github.com/branchready/branchready/version.version="+testDescribe,
		"-o", filepath.Join(bin, "linux-"+runtime.GOARCH)+"/", "./cmd/...")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return builtPackages{err: fmt.Errorf("go build: %v\n%s", err, out)}
	}
	return buildPackagesFrom(bin, filepath.Join(dir, "dist"), runtime.GOARCH)
}

func buildPackagesFrom(bin, out, arch string) builtPackages {
	opts := options{Root: repoRoot, BinDir: bin, Out: out, Version: testVersion,
		Maintainer: "branchready tests <tests@branchready.invalid>", Compression: "gzip:1",
		Now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	paths, err := build(slog.New(slog.NewTextHandler(io.Discard, nil)), opts, []string{arch})
	if err != nil {
		return builtPackages{err: err}
	}
	debs := map[string]string{}
	for _, p := range paths {
		debs[strings.SplitN(filepath.Base(p), "_", 2)[0]] = p
	}
	return builtPackages{debs: debs}
}

// entry is one line of dpkg-deb --contents.
type entry struct{ mode, owner string }

func contents(t *testing.T, dpkgDeb, deb string) map[string]entry {
	t.Helper()
	out, err := exec.Command(dpkgDeb, "--contents", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --contents %s: %v", deb, err)
	}
	m := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line) // mode owner/group size date time path
		if len(f) < 6 {
			t.Fatalf("dpkg-deb --contents: odd line %q", line)
		}
		m[strings.TrimPrefix(f[5], ".")] = entry{f[0], f[1]}
	}
	return m
}

func field(t *testing.T, dpkgDeb, deb, name string) string {
	t.Helper()
	out, err := exec.Command(dpkgDeb, "--field", deb, name).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --field %s %s: %v", deb, name, err)
	}
	return strings.TrimSpace(string(out))
}

// extract unpacks the package's files (-x) and its control files (-e).
func extract(t *testing.T, dpkgDeb, deb string) (files, control string) {
	t.Helper()
	dir := t.TempDir()
	files, control = filepath.Join(dir, "files"), filepath.Join(dir, "control")
	for _, args := range [][]string{{"-x", deb, files}, {"-e", deb, control}} {
		if out, err := exec.Command(dpkgDeb, args...).CombinedOutput(); err != nil {
			t.Fatalf("dpkg-deb %v: %v\n%s", args, err, out)
		}
	}
	return files, control
}
