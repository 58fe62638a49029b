package collector

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/board"
	"github.com/branchready/branchready/collector/branches"
	"github.com/branchready/branchready/collector/store"
)

// registerBranches serves the branch registry when the store keeps one:
// agents' tokens issued through it are accepted at ingest beside the
// configuration's agents: list (through a cache, see auth.IssuedTokens),
// the admin API and board page manage it, and agents enroll with a
// one-time code. It returns nil when the store keeps no registry.
func registerBranches(mux auth.Mux, st store.Store, tokens *auth.Tokens, now func() time.Time, log *slog.Logger,
	login func(http.Handler) http.Handler) *branches.Service {
	reg, ok := st.(store.Registry)
	if !ok {
		return nil
	}
	cache := auth.NewIssuedTokens(branches.Loader(reg, now), auth.IssuedOptions{Version: branches.Version(reg), Now: now, Log: log})
	tokens.UseIssued(cache)
	svc := &branches.Service{Store: reg, Now: now, Changed: cache.Changed}
	// The admin routes hand out credentials: admins only.
	admin := func(h http.Handler) http.Handler { return login(auth.Allow(auth.Administer, h)) }
	api.RegisterAdmin(mux, svc, log, admin)
	board.RegisterRegistry(mux, svc, now, log, admin)
	api.RegisterEnroll(mux, svc, now, log)
	return svc
}
