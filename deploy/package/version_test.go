package main

import (
	"os/exec"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

func TestDebianVersion(t *testing.T) {
	tests := []struct {
		name, describe, want string
	}{
		{"a release tag loses its v", "v1.2.3", "1.2.3"},
		{"commits after a tag count up after the release", "v1.2.3-4-gabcdef0", "1.2.3+4.gabcdef0"},
		{"a pre-release sorts before its release", "v1.2.3-rc1", "1.2.3~rc1"},
		{"commits after a pre-release keep both", "v1.2.3-rc1-4-gabcdef0", "1.2.3~rc1+4.gabcdef0"},
		{"a tree with changes is marked dirty", "v1.2.3-4-gabcdef0-dirty", "1.2.3+4.gabcdef0.dirty"},
		{"a dirty release sorts after the release and before the next commit", "v1.2.3-dirty", "1.2.3+0.dirty"},
		{"no tag at all starts at 0.0.0", "64befe2", "0.0.0+g64befe2"},
		{"the Makefile's fallback is a version too", "devel", "0.0.0+devel"},
		{"a tag that is not a number goes after 0.0.0", "release_x", "0.0.0+release.x"},
		{"git's trailing newline is ignored", "v2.0.0\n", "2.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := debianVersion(tt.describe)
			if err != nil || got != tt.want {
				t.Errorf("debianVersion(%q) = %q, %v; want %q", tt.describe, got, err, tt.want)
			}
		})
	}
	t.Run("an empty version is refused", func(t *testing.T) {
		if v, err := debianVersion(" "); err == nil {
			t.Errorf("debianVersion(\" \") = %q, want an error", v)
		}
	})
}

// dpkg itself must order the versions as the releases came.
func TestDebianVersionsSortAsReleasesDo(t *testing.T) {
	dpkg := testpeer.Require(t, "dpkg")
	order := []string{"64befe2", "v1.2.3-rc1", "v1.2.3-rc1-2-gabcdef0", "v1.2.3", "v1.2.3-dirty", "v1.2.3-4-gabcdef0", "v1.2.3-4-gabcdef0-dirty", "v1.2.4"}
	for i := 1; i < len(order); i++ {
		a, errA := debianVersion(order[i-1])
		b, errB := debianVersion(order[i])
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if out, err := exec.Command(dpkg, "--compare-versions", a, "lt", b).CombinedOutput(); err != nil {
			t.Errorf("dpkg says not %s (%s) < %s (%s): %v %s", a, order[i-1], b, order[i], err, out)
		}
	}
}
