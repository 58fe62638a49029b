package alerting

import (
	"context"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
)

// directory is the branch directory the engine reads: Options.Branches, or
// else the engine's own, which lists every branch's contact from the store
// at each tick (decoding again only the descriptors whose config hash
// changed).
func (s *Service) directory() *branchdir.Dir {
	if s.o.Branches != nil {
		return s.o.Branches
	}
	return s.dir // made by New
}

// readBranches returns every branch with its contact and descriptor. At
// every tick the engine refreshes 20,000 branches at bank scale: the
// directory reads only what changed since.
func (s *Service) readBranches(ctx context.Context) ([]store.Branch, error) {
	return s.directory().All(ctx)
}

// readBranch returns one branch (one new to the engine), from the
// directory when it holds it.
func (s *Service) readBranch(ctx context.Context, id string) (store.Branch, error) {
	return s.directory().Branch(ctx, id)
}
