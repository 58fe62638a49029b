package shipper

import (
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/branchready/branchready/result"
)

const testToken = "s3cr3t-branch-token"

// post is one request as the fake collector saw it.
type seenPost struct {
	n          int
	ids        []string
	descriptor bool
	configHash string
}

// collector is a fake ingest API, idempotent on result id like the real one.
// fault, when set, may answer a request instead (returning true); it sees
// the request number from 1 and the decoded batch.
type collector struct {
	mu       sync.Mutex
	stored   map[string]int // id -> times stored (idempotency keeps it at 1)
	received map[string]int // id -> times it arrived in a decoded batch
	posts    []seenPost
	// storeFirst stores the batch before fault answers, like a collector
	// whose acknowledgement is lost on the way back.
	storeFirst bool
	fault      func(n int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool
	reject     map[string]string // id -> error, rejected per item
	codes      map[string]string // id -> rejection code
}

func newCollector() *collector {
	return &collector{stored: map[string]int{}, received: map[string]int{}, reject: map[string]string{}}
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/results" || r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "gzip" ||
		r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":"wrong request"}`, http.StatusNotFound)
		return
	}
	var b result.Batch
	zr, err := gzip.NewReader(r.Body)
	if err == nil {
		err = json.NewDecoder(zr).Decode(&b)
	}
	if err != nil {
		http.Error(w, `{"error":"body is not a gzipped batch"}`, http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	n := len(c.posts) + 1
	c.posts = append(c.posts, seenPost{n: n, ids: batchIDs(b.Results), descriptor: b.Descriptor != nil, configHash: b.Agent.ConfigHash})
	for _, res := range b.Results {
		c.received[res.ID]++
	}
	fault, storeFirst := c.fault, c.storeFirst
	c.mu.Unlock()
	var resp result.IngestResponse
	if storeFirst {
		resp = c.store(b.Results)
	}
	if fault != nil && fault(n, &b, w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"unknown token ` + r.Header.Get("Authorization") + `"}`))
		return
	}
	if !storeFirst {
		resp = c.store(b.Results)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (c *collector) store(rs []result.Result) result.IngestResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	var resp result.IngestResponse
	for i, r := range rs {
		switch {
		case c.reject[r.ID] != "":
			resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, ID: r.ID, Error: c.reject[r.ID], Code: c.codes[r.ID]})
		case c.stored[r.ID] > 0:
			resp.Duplicates++
		default:
			c.stored[r.ID]++
			resp.Accepted++
		}
	}
	return resp
}

// check asserts every id is stored exactly once and reports how often
// each arrived.
func (c *collector) check(t *testing.T, ids []string) (arrivals map[string]int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	missing := 0
	for _, id := range ids {
		if c.stored[id] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d results are not stored exactly once at the collector", missing, len(ids))
	}
	out := map[string]int{}
	for k, v := range c.received {
		out[k] = v
	}
	return out
}

func (c *collector) postsSeen() []seenPost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]seenPost(nil), c.posts...)
}

func batchIDs(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func serve(t *testing.T, c *collector) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}
