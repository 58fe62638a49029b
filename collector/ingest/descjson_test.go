package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// jsonStore is a DescriptorJSONWriter (as the PostgreSQL store is) that
// notes the descriptor JSON each batch hands it.
type jsonStore struct {
	memStore
	mu    sync.Mutex
	descs []string
	sums  [][32]byte
}

func (s *jsonStore) WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, at time.Time, desc string, sum [32]byte, c store.Contact) (int, int, error) {
	s.mu.Lock()
	s.descs, s.sums = append(s.descs, desc), append(s.sums, sum)
	s.mu.Unlock()
	ins, dup, err := s.WriteResults(ctx, rs, at)
	if err == nil {
		err = s.PutBranch(ctx, branch, nil, c)
	}
	return ins, dup, err
}

// last returns the descriptor JSON and sum handed with the latest batch.
func (s *jsonStore) last() (string, [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.descs[len(s.descs)-1], s.sums[len(s.sums)-1]
}

func TestADescriptorJSONWriterGetsTheAgentsBytes(t *testing.T) {
	st := &jsonStore{memStore: memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	var contacted []*result.Descriptor
	srv := httptest.NewServer(New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		Contacted: func(_ string, d *result.Descriptor, _ store.Contact) {
			mu.Lock()
			contacted = append(contacted, d)
			mu.Unlock()
		}}))
	defer srv.Close()
	one := string(must(json.Marshal(waveDescriptor("lon"))))
	renamed := strings.Replace(one, `"name":"`, `"name":"New `, 1)
	pretty := "{\n  \"name\": \"London\",\n  \"devices\": [ ]\n}"
	encoded := func(raws ...string) string { // as encoding/json encodes what raws decode to, one into the other
		var d result.Descriptor
		for _, raw := range raws {
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				t.Fatal(err)
			}
		}
		return string(must(json.Marshal(&d)))
	}
	body := func(desc, id string) []byte {
		return []byte(`{"branch":"lon","agent":{"version":"t","sent_at":"2026-11-24T08:25:00Z"},` + desc +
			`"results":[` + string(must(json.Marshal(res(id, "lon")))) + `]}`)
	}
	steps := []struct {
		name     string
		desc     string // the descriptor member(s), with their comma
		code     int
		handed   string // the JSON the store is handed
		decoded  bool   // Contacted got a descriptor decoded anew (not the one before)
		errorHas string
	}{
		{"a first descriptor is decoded and handed over as sent", `"descriptor":` + one + `,`, 200, one, true, ""},
		{"the same bytes again are not decoded and handed over all the same", `"descriptor":` + one + `,`, 200, one, false, ""},
		{"a batch without a descriptor hands over none", ``, 200, "", false, ""},
		{"a null descriptor hands over none", `"descriptor":null,`, 200, "", false, ""},
		{"an invalid descriptor is still refused with its error", `"descriptor":{"name":"x","colour":"red"},`, 400, "", false, "colour"},
		{"a changed descriptor is decoded and handed over as sent", `"descriptor":` + renamed + `,`, 200, renamed, true, ""},
		{"the first descriptor again is decoded once more", `"descriptor":` + one + `,`, 200, one, true, ""},
		{"a descriptor with blanks is handed over as sent", `"descriptor":` + pretty + `,`, 200, pretty, true, ""},
		{"a descriptor named twice is handed over as the merged value, encoded",
			`"descriptor":` + one + `,"Descriptor":{"region":"South"},`, 200, encoded(one, `{"region":"South"}`), true, ""},
		{"a descriptor with bytes that are not UTF-8 is handed over encoded",
			`"descriptor":{"name":"Lond` + "\xff" + `n","devices":[]},`, 200, encoded(`{"name":"Lond` + "\xff" + `n","devices":[]}`), true, ""},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			mu.Lock()
			before := len(contacted)
			mu.Unlock()
			code, answer := post(t, srv.URL, tokLondon, body(s.desc, "r"+string(rune('a'+i))), i%2 == 0)
			if code != s.code || !strings.Contains(answer, s.errorHas) {
				t.Fatalf("answered %d %s, want %d mentioning %q", code, answer, s.code, s.errorHas)
			}
			if s.code != 200 {
				return
			}
			desc, sum := st.last()
			if desc != s.handed {
				t.Fatalf("store handed %q, want %q", desc, s.handed)
			}
			if desc != "" && sum != sha256.Sum256([]byte(desc)) {
				t.Fatalf("store handed a sum that is not the SHA-256 of %q", desc)
			}
			mu.Lock()
			defer mu.Unlock()
			d := contacted[len(contacted)-1]
			if (s.handed == "") != (d == nil) {
				t.Fatalf("Contacted got descriptor %+v, want one only with %q", d, s.handed)
			}
			if d != nil {
				var want result.Descriptor
				if err := json.Unmarshal([]byte(desc), &want); err != nil || !reflect.DeepEqual(*d, want) {
					t.Fatalf("Contacted got %+v, the JSON handed over decodes to %+v (%v)", d, want, err)
				}
			}
			if i == 0 && string(must(json.Marshal(d))) != desc {
				// Rows written before hold the checksum of the descriptor
				// encoded anew: an agent's bytes must be those.
				t.Errorf("encoding/json encodes the decoded descriptor as\n%s\nnot as the agent sent it\n%s", must(json.Marshal(d)), desc)
			}
			if d != nil && before > 0 {
				if again := contacted[before-1] == d; again == s.decoded {
					t.Errorf("Contacted got the descriptor before again: %v, want decoded anew: %v", again, s.decoded)
				}
			}
		})
	}
}

// keeperJSONStore is both a DescriptorKeeper and a DescriptorJSONWriter,
// as the SQLite store is: it knows the descriptor it was handed last.
type keeperJSONStore struct {
	*jsonStore
	kept map[string][32]byte
}

func (s keeperJSONStore) HasDescriptor(branch string, sum [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.kept[branch]
	return ok && k == sum
}

func (s keeperJSONStore) WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, at time.Time, desc string, sum [32]byte, c store.Contact) (int, int, error) {
	ins, dup, err := s.jsonStore.WriteBatchJSON(ctx, branch, rs, at, desc, sum, c)
	if err == nil && desc != "" {
		s.mu.Lock()
		s.kept[branch] = sum
		s.mu.Unlock()
	}
	return ins, dup, err
}

// TestAKeeperThatTakesJSONIsAskedFirst holds the handler to a store that
// knows its descriptors and takes them as JSON: a descriptor it holds is
// neither decoded nor handed over again (the store keeps its own), a new
// one is handed over as sent, and the handler keeps no decoded copy.
func TestAKeeperThatTakesJSONIsAskedFirst(t *testing.T) {
	st := keeperJSONStore{jsonStore: &jsonStore{memStore: memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}},
		kept: map[string][32]byte{}}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	one := string(must(json.Marshal(waveDescriptor("lon"))))
	for i, want := range []string{one, ""} {
		body := []byte(`{"branch":"lon","agent":{"version":"t","sent_at":"2026-11-24T08:25:00Z"},"descriptor":` + one +
			`,"results":[` + string(must(json.Marshal(res(fmt.Sprintf("k%d", i), "lon")))) + `]}`)
		if code, answer := post(t, srv.URL, tokLondon, body, false); code != 200 {
			t.Fatalf("batch %d answered %d %s", i+1, code, answer)
		}
		if got, _ := st.last(); got != want {
			t.Fatalf("batch %d handed the store %q, want %q", i+1, got, want)
		}
	}
	h.held.Range(func(k, _ any) bool {
		t.Errorf("the handler holds a decoded descriptor of %v: the store knows its descriptors", k)
		return true
	})
}
