package branches

import (
	"context"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// Status is a registered branch with the state of its tokens, as the list
// command, the admin API and the board show it.
type Status struct {
	store.RegisteredBranch
	// LiveTokens counts the tokens accepted now.
	LiveTokens int `json:"live_tokens"`
	// LastIssued is when the newest token was issued (zero: never).
	LastIssued time.Time `json:"last_issued,omitzero"`
	// OverlapEnds is when the soonest live rotated-out token stops working.
	OverlapEnds time.Time `json:"overlap_ends,omitzero"`
}

// TokenState sums a status up in a word: revoked, no_token, rotating
// (an old token is still in its overlap) or active.
func (s Status) TokenState() string {
	switch {
	case !s.Revoked.IsZero():
		return "revoked"
	case s.LiveTokens == 0:
		return "no_token"
	case !s.OverlapEnds.IsZero():
		return "rotating"
	}
	return "active"
}

// List returns every registered branch with its token state, by id.
func (s *Service) List(ctx context.Context) ([]Status, error) {
	bs, err := s.Store.RegisteredBranches(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := s.Store.Tokens(ctx, "", time.Time{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	byBranch := map[string][]store.TokenRecord{}
	for _, t := range ts {
		byBranch[t.Branch] = append(byBranch[t.Branch], t)
	}
	out := make([]Status, len(bs))
	for i, b := range bs {
		out[i] = summarize(b, byBranch[b.ID], now)
	}
	return out, nil
}

// One returns one branch's status, or an error wrapping store.ErrNotFound.
func (s *Service) One(ctx context.Context, id string) (Status, error) {
	b, err := s.Store.RegisteredBranch(ctx, id)
	if err != nil {
		return Status{}, err
	}
	ts, err := s.Store.Tokens(ctx, id, time.Time{})
	if err != nil {
		return Status{}, err
	}
	return summarize(b, ts, s.now()), nil
}

func summarize(b store.RegisteredBranch, ts []store.TokenRecord, now time.Time) Status {
	st := Status{RegisteredBranch: b}
	for _, t := range ts {
		if t.Created.After(st.LastIssued) {
			st.LastIssued = t.Created
		}
		if !b.Revoked.IsZero() || !t.LiveAt(now) {
			continue
		}
		st.LiveTokens++
		if !t.Expires.IsZero() && (st.OverlapEnds.IsZero() || t.Expires.Before(st.OverlapEnds)) {
			st.OverlapEnds = t.Expires
		}
	}
	return st
}

// WithLiveTokens counts the branches of st that have a token accepted at
// now (rotating branches once): the agents a collector on st accepts
// besides those of its configuration's agents: list.
func WithLiveTokens(ctx context.Context, st store.Registry, now time.Time) (int, error) {
	ts, err := st.Tokens(ctx, "", now) // live tokens of branches not revoked
	if err != nil {
		return 0, err
	}
	seen := make(map[string]struct{}, len(ts))
	for _, t := range ts {
		seen[t.Branch] = struct{}{}
	}
	return len(seen), nil
}
