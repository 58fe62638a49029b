package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

func TestPackagesHoldTheirFiles(t *testing.T) {
	dpkgDeb := testpeer.Require(t, "dpkg-deb")
	debs := hostPackages(t)
	tests := []struct {
		name  string
		pkg   string
		path  string
		entry entry
	}{
		{"the agent's binary is in /usr/bin", "branchready-agent", "/usr/bin/branchready-agent", entry{"-rwxr-xr-x", "root/root"}},
		{"the agent's unit is where systemd looks for packaged units", "branchready-agent", "/usr/lib/systemd/system/branchready-agent.service", entry{"-rw-r--r--", "root/root"}},
		{"the agent's configuration holds no secret and is readable by its dynamic user", "branchready-agent", "/etc/branchready/branch.yaml", entry{"-rw-r--r--", "root/root"}},
		{"the configuration directory is root's", "branchready-agent", "/etc/branchready/", entry{"drwxr-xr-x", "root/root"}},
		{"the branch schema is shipped for editors", "branchready-agent", "/usr/share/branchready/branch.schema.json", entry{"-rw-r--r--", "root/root"}},
		{"the holiday calendar the example names is shipped", "branchready-agent", "/usr/share/branchready/holidays/england-2026.yaml", entry{"-rw-r--r--", "root/root"}},
		{"the agent's docs are shipped", "branchready-agent", "/usr/share/doc/branchready-agent/operations.md", entry{"-rw-r--r--", "root/root"}},
		{"the collector's binary is in /usr/bin", "branchready-collector", "/usr/bin/branchready-collector", entry{"-rwxr-xr-x", "root/root"}},
		{"the collector's unit is where systemd looks for packaged units", "branchready-collector", "/usr/lib/systemd/system/branchready-collector.service", entry{"-rw-r--r--", "root/root"}},
		{"the collector's configuration (password hashes) is readable by its user only", "branchready-collector", "/etc/branchready/collector.yaml", entry{"-rw-r-----", "root/branchready-collector"}},
		{"the collector's credentials directory is root's alone", "branchready-collector", "/etc/branchready/credentials/", entry{"drwx------", "root/root"}},
		{"the configuration directory is root's in the collector too", "branchready-collector", "/etc/branchready/", entry{"drwxr-xr-x", "root/root"}},
		{"the collector schema is shipped for editors", "branchready-collector", "/usr/share/branchready/collector.schema.json", entry{"-rw-r--r--", "root/root"}},
		{"the collector's docs are shipped", "branchready-collector", "/usr/share/doc/branchready-collector/operations.md", entry{"-rw-r--r--", "root/root"}},
	}
	listed := map[string]map[string]entry{}
	for name, deb := range debs {
		listed[name] = contents(t, dpkgDeb, deb)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := listed[tt.pkg][tt.path]
			if !ok {
				t.Fatalf("%s lacks %s", tt.pkg, tt.path)
			}
			if got != tt.entry {
				t.Errorf("%s %s: %v, want %v", tt.pkg, tt.path, got, tt.entry)
			}
		})
	}
	t.Run("the two packages share no file, so both install side by side", func(t *testing.T) {
		for p, e := range listed["branchready-agent"] {
			if _, both := listed["branchready-collector"][p]; both && !strings.HasPrefix(e.mode, "d") {
				t.Errorf("both packages ship %s", p)
			}
		}
	})
}

func TestPackageControl(t *testing.T) {
	dpkgDeb := testpeer.Require(t, "dpkg-deb")
	debs := hostPackages(t)
	for _, s := range specs() {
		deb := debs[s.Name]
		files, control := extract(t, dpkgDeb, deb)
		t.Run(s.Name+" is named, versioned and built for this machine", func(t *testing.T) {
			for name, want := range map[string]string{"Package": s.Name, "Version": testVersion, "Architecture": hostArch(), "Section": "admin"} {
				if got := field(t, dpkgDeb, deb, name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if want := s.Name + "_" + testVersion + "_" + hostArch() + ".deb"; filepath.Base(deb) != want {
				t.Errorf("file %s, want %s", filepath.Base(deb), want)
			}
		})
		t.Run(s.Name+" registers its configuration as a conffile", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(control, "conffiles"))
			if err != nil || string(b) != s.Conffile.Dest+"\n" {
				t.Errorf("conffiles = %q, %v; want %q", b, err, s.Conffile.Dest+"\n")
			}
		})
		t.Run(s.Name+"'s maintainer scripts are executable and parse", func(t *testing.T) {
			want := []string{"postinst", "prerm", "postrm"}
			if s.User != "" {
				want = append(want, "preinst")
			}
			for _, name := range want {
				p := filepath.Join(control, name)
				fi, err := os.Stat(p)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if fi.Mode().Perm() != 0o755 {
					t.Errorf("%s: mode %v, want 0755", name, fi.Mode().Perm())
				}
				if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
					t.Errorf("sh -n %s: %v\n%s", name, err, out)
				}
			}
		})
		t.Run(s.Name+"'s unit is deploy/'s, started from /usr/bin", func(t *testing.T) {
			checkUnit(t, files, s)
		})
		t.Run(s.Name+"'s configuration names only installed paths", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(files, s.Conffile.Dest))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "../") {
				t.Errorf("%s still has a path relative to configs/:\n%s", s.Conffile.Dest, b)
			}
		})
	}
}

func checkUnit(t *testing.T, files string, s spec) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(files, "usr/lib/systemd/system", s.Unit))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(repoRoot, "deploy/systemd", s.Unit))
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	if len(gl) != len(wl) {
		t.Fatalf("the packaged unit has %d lines, deploy/'s %d", len(gl), len(wl))
	}
	for i := range gl {
		if gl[i] == wl[i] {
			continue
		}
		if strings.HasPrefix(gl[i], "ExecStart=/usr/bin/"+s.Name+" ") &&
			strings.TrimPrefix(gl[i], "ExecStart=/usr/bin/") == strings.TrimPrefix(wl[i], "ExecStart=/usr/local/bin/") {
			continue
		}
		t.Errorf("line %d: packaged %q, deploy/ has %q", i+1, gl[i], wl[i])
	}
}

// hostArch is Go's name for this machine, which is Debian's for amd64 and arm64.
func hostArch() string { return runtime.GOARCH }

// The other architecture is packaged from the same specs; stand-in
// binaries are enough to see its packages say so (make package packs the
// real ones).
func TestTheOtherArchitectureIsPackagedToo(t *testing.T) {
	dpkgDeb := testpeer.Require(t, "dpkg-deb")
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	if other == "" {
		other = "arm64"
	}
	bin := filepath.Join(t.TempDir(), "bin")
	for _, s := range specs() {
		p := filepath.Join(bin, "linux-"+other, s.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("stand-in"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := buildPackagesFrom(bin, filepath.Join(t.TempDir(), "dist"), other)
	if b.err != nil {
		t.Fatal(b.err)
	}
	for _, s := range specs() {
		deb, ok := b.debs[s.Name]
		if !ok {
			t.Errorf("no %s package for %s", s.Name, other)
			continue
		}
		if got := field(t, dpkgDeb, deb, "Architecture"); got != other {
			t.Errorf("%s: Architecture %q, want %q", filepath.Base(deb), got, other)
		}
	}
}

func TestAMissingBinarySaysMakeCrossBuildsIt(t *testing.T) {
	_, err := packageInfo(options{Root: repoRoot, BinDir: t.TempDir()}, specs()[0], "amd64", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "make cross") {
		t.Errorf("packageInfo without a binary: %v, want an error naming make cross", err)
	}
}
