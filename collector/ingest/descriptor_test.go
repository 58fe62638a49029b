package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// descSpy is the real SQLite store, noting whether each batch hands it a
// descriptor (as the JSON the agent sent, the path the handler takes with
// this store, or decoded).
type descSpy struct {
	*sqlite.Store
	mu     sync.Mutex
	handed []bool
}

func (s *descSpy) WriteBatch(ctx context.Context, branch string, rs []result.Result, at time.Time, d *result.Descriptor, c store.Contact) (int, int, error) {
	s.note(d != nil)
	return s.Store.WriteBatch(ctx, branch, rs, at, d, c)
}

func (s *descSpy) WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, at time.Time, desc string, sum [32]byte, c store.Contact) (int, int, error) {
	s.note(desc != "")
	return s.Store.WriteBatchJSON(ctx, branch, rs, at, desc, sum, c)
}

func (s *descSpy) note(handed bool) {
	s.mu.Lock()
	s.handed = append(s.handed, handed)
	s.mu.Unlock()
}

// last reports whether the latest batch handed a descriptor.
func (s *descSpy) last() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handed[len(s.handed)-1]
}

// withDescriptor is a batch of branch carrying d and one result, encoded as
// an agent encodes it.
func withDescriptor(branch string, d any, id string) []byte {
	b, _ := json.Marshal(map[string]any{"branch": branch, "descriptor": d,
		"agent": result.Agent{Version: "t", SentAt: time.Date(2026, 11, 24, 8, 25, 0, 0, time.UTC)}, "results": []result.Result{res(id, branch)}})
	return b
}

func TestADescriptorTheStoreHoldsIsNotDecodedAgain(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	spy := &descSpy{Store: st}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	srv := httptest.NewServer(New(Options{Store: spy, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}))
	defer srv.Close()
	one := &result.Descriptor{Name: "London", Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking,
		Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	two := &result.Descriptor{Name: "London City", Devices: one.Devices}
	bad := map[string]any{"name": "London", "colour": "red"}

	steps := []struct {
		name     string
		desc     any
		code     int
		handed   bool   // the store was handed a descriptor
		stored   string // the name of the descriptor stored afterwards
		errorHas string
	}{
		{"a first descriptor is decoded and stored", one, 200, true, "London", ""},
		{"the same descriptor again is not decoded and the stored one is kept", one, 200, false, "London", ""},
		{"an invalid descriptor is still refused with its error", bad, 400, false, "London", "colour"},
		{"a changed descriptor is decoded and stored", two, 200, true, "London City", ""},
		{"the first descriptor again is decoded, since the store holds the second", one, 200, true, "London", ""},
		{"and then it is known again", one, 200, false, "London", ""},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			spy.mu.Lock()
			before := len(spy.handed)
			spy.mu.Unlock()
			code, body := post(t, srv.URL, tokLondon, withDescriptor("lon", s.desc, "r"+string(rune('a'+i))), true)
			if code != s.code || !strings.Contains(body, s.errorHas) {
				t.Fatalf("answered %d %s, want %d mentioning %q", code, body, s.code, s.errorHas)
			}
			if s.code == 200 {
				spy.mu.Lock()
				n := len(spy.handed) - before
				spy.mu.Unlock()
				if n != 1 {
					t.Errorf("%d batches reached the store, want 1", n)
				}
				if spy.last() != s.handed {
					t.Errorf("store handed descriptor %v, want handed=%v", spy.last(), s.handed)
				}
			}
			b, err := st.Branch(context.Background(), "lon")
			if err != nil || b.Descriptor == nil || b.Descriptor.Name != s.stored {
				t.Fatalf("stored descriptor %+v (%v), want %q", b.Descriptor, err, s.stored)
			}
		})
	}
}
