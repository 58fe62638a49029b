package main

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// describeAfterTag matches "TAG-N-gHASH", what git describe prints N
	// commits after TAG.
	describeAfterTag = regexp.MustCompile(`^(.+)-([0-9]+)-g([0-9a-f]+)$`)
	// bareHash is what describe --always prints where no tag is reachable.
	bareHash        = regexp.MustCompile(`^[0-9a-f]{4,40}$`)
	debianUpstream  = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
	notInDebVersion = regexp.MustCompile(`[^A-Za-z0-9.+~]+`)
)

// debianVersion turns the Makefile's VERSION (git describe --tags --always
// --dirty, or "devel") into a Debian version that sorts the way releases
// do: v1.2.3 → 1.2.3; v1.2.3-rc1 → 1.2.3~rc1 (before 1.2.3); four commits
// after v1.2.3 → 1.2.3+4.gHASH (after 1.2.3, before 1.2.4); a tree with
// changes gets .dirty (v1.2.3-dirty → 1.2.3+0.dirty); no tag at all → 0.0.0+gHASH. The package is native
// (no Debian revision), so the result holds no hyphen.
func debianVersion(describe string) (string, error) {
	d := strings.TrimSpace(describe)
	if d == "" {
		return "", fmt.Errorf("empty version")
	}
	dirty := strings.HasSuffix(d, "-dirty")
	d = strings.TrimSuffix(d, "-dirty")
	var v string
	switch m := describeAfterTag.FindStringSubmatch(d); {
	case m != nil:
		v = upstream(m[1]) + "+" + m[2] + ".g" + m[3]
	case bareHash.MatchString(d):
		v = "0.0.0+g" + d
	default:
		v = upstream(d)
	}
	if dirty {
		if strings.Contains(v, "+") {
			v += ".dirty"
		} else {
			v += "+0.dirty" // after the release, before the commits that follow it
		}
	}
	if !debianUpstream.MatchString(v) {
		return "", fmt.Errorf("version %q gives %q, not a Debian version", describe, v)
	}
	return v, nil
}

// upstream makes a tag a Debian upstream version: without its leading v, a
// pre-release (the first hyphen) sorting before the release, other
// characters Debian does not allow turned to dots, and a version that does
// not start with a digit put after 0.0.0.
func upstream(tag string) string {
	t := tag
	if len(t) > 1 && (t[0] == 'v' || t[0] == 'V') && t[1] >= '0' && t[1] <= '9' {
		t = t[1:]
	}
	t = strings.Replace(t, "-", "~", 1)
	t = strings.Trim(notInDebVersion.ReplaceAllString(t, "."), ".")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return "0.0.0+" + t
	}
	return t
}
