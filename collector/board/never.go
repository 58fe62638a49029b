package board

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/store"
)

// registry is the part of the store that knows registered branches.
type registry interface {
	RegisteredBranch(ctx context.Context, id string) (store.RegisteredBranch, error)
}

// neverReported answers the page of a branch not found among those that
// reported when it is registered (imported or added on the registry) and
// its agent has never reported, and reports whether it did. Such a branch has no row among the reporting
// branches, and its page was a bare 404 that read as a typo in the link.
// A branch out of the person's scope stays "no such branch".
func neverReported(w http.ResponseWriter, r *http.Request, st any, log *slog.Logger) bool {
	reg, ok := st.(registry)
	dir, ok2 := st.(interface {
		Branch(ctx context.Context, id string) (store.Branch, error)
	})
	if !ok || !ok2 {
		return false
	}
	id := r.PathValue("id")
	if _, err := dir.Branch(r.Context(), id); !errors.Is(err, store.ErrNotFound) {
		return false
	}
	b, err := reg.RegisteredBranch(r.Context(), id)
	if err != nil || !api.Person(r).Covers(b.ID, b.Region) {
		return false
	}
	render(w, log, "never.html", b)
	return true
}
