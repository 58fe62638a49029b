package version

import (
	"runtime"
	"runtime/debug"
)

// Stamped at build time, for example:
//
//	go build -ldflags "-X github.com/branchready/branchready/version.version=1.2.0 -X github.com/branchready/branchready/version.revision=$(git rev-parse HEAD)"
//
// Empty when not stamped; Get then falls back to the build information.
var (
	version  string
	revision string
)

// Info describes a build.
type Info struct {
	// Version is the release, or "devel" for an unstamped local build.
	Version string
	// Revision is the VCS commit, or "unknown".
	Revision  string
	GoVersion string
}

// Get returns this binary's build information.
func Get() Info {
	return resolve(version, revision, readBuildInfo())
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// resolve prefers the stamped values, then what the toolchain recorded.
func resolve(stampedVersion, stampedRevision string, bi *debug.BuildInfo) Info {
	i := Info{Version: stampedVersion, Revision: stampedRevision, GoVersion: runtime.Version()}
	if bi != nil {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version // go install module@version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && i.Revision == "" {
				i.Revision = s.Value
			}
		}
		if bi.GoVersion != "" {
			i.GoVersion = bi.GoVersion
		}
	}
	if i.Version == "" {
		i.Version = "devel"
	}
	if i.Revision == "" {
		i.Revision = "unknown"
	}
	return i
}

// String reads "1.2.0 (revision 0123456789ab, go1.26.0)".
func (i Info) String() string {
	rev := i.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return i.Version + " (revision " + rev + ", " + i.GoVersion + ")"
}
