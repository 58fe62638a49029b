//go:build !windows

package service

import "log/slog"

// exitOnFailure is nil: kardianos' RunWait (program.wait) notices a failed
// agent and Run returns its error.
var exitOnFailure func(int)

// SystemLogger is the logger the agent should use. Outside Windows it is
// cfg.Log: systemd sends the service's stderr to the journal.
func SystemLogger(cfg Config) *slog.Logger { return resolveLog(cfg) }
