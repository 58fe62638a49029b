package version

import (
	"runtime/debug"
	"testing"
)

func TestTheVersionComesFromTheBuildNotAConstant(t *testing.T) {
	recorded := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}}}
	tests := []struct {
		name               string
		stamped, stampedRv string
		bi                 *debug.BuildInfo
		want               Info
	}{
		{name: "a version stamped with -ldflags -X wins", stamped: "1.2.0", stampedRv: "feedface", bi: recorded,
			want: Info{Version: "1.2.0", Revision: "feedface", GoVersion: "go1.26.0"}},
		{name: "without a stamp, go install's module version and the VCS revision are used", bi: recorded,
			want: Info{Version: "v1.3.0", Revision: "0123456789abcdef", GoVersion: "go1.26.0"}},
		{name: "a local build without either says devel and unknown",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: "devel", Revision: "unknown", GoVersion: "go1.26.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolve(tc.stamped, tc.stampedRv, tc.bi); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if s := (Info{Version: "1.2.0", Revision: "0123456789abcdef", GoVersion: "go1.26.0"}).String(); s != "1.2.0 (revision 0123456789ab, go1.26.0)" {
		t.Errorf("String() = %q", s)
	}
}
