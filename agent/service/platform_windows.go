package service

import (
	"log/slog"
	"os"

	kservice "github.com/kardianos/service"
)

// exitOnFailure ends the process when the agent fails under the service
// manager, which then applies the recovery actions (restart).
var exitOnFailure = os.Exit

// SystemLogger is the logger the agent should use: under the Windows service
// manager one that writes to the Application event log (source
// branchready-agent), from a terminal cfg.Log.
func SystemLogger(cfg Config) *slog.Logger {
	base := resolveLog(cfg)
	if kservice.Interactive() {
		return base
	}
	s, err := kservice.New(nopProgram{}, &kservice.Config{Name: Name, DisplayName: DisplayName})
	if err != nil {
		return base
	}
	sys, err := s.SystemLogger(nil)
	if err != nil {
		base.Error("event log unavailable, logging to stderr", "err", err)
		return base
	}
	return slog.New(newSystemHandler(sys, base.Handler()))
}
