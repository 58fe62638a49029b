package cli

import (
	"runtime/debug"
	"testing"
)

func TestTheCollectorsGOGCIsItsDefaultUnlessTheEnvironmentSetsOne(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		name string
		env  map[string]string
		set  int // the GOGC in force before
		want int
	}{
		{"without GOGC in the environment the default applies", nil, 100, DefaultGCPercent},
		{"a GOGC from the environment is kept", map[string]string{"GOGC": "50"}, 50, 50},
		{"GOGC=off from the environment is kept", map[string]string{"GOGC": "off"}, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(tt.set)
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			if got := tuneGC(lookup); got != tt.want {
				t.Fatalf("tuneGC = %d, want %d", got, tt.want)
			}
			if now := debug.SetGCPercent(100); now != tt.want {
				t.Fatalf("GOGC in force is %d, want %d", now, tt.want)
			}
		})
	}
}
