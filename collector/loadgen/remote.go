package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// registerRemote registers the fleet in a running collector as an admin
// would through its API: one CSV import, then a token rotation per branch
// (no overlap: a previous run's tokens stop working), concurrency at a
// time. It returns how long that took.
func registerRemote(ctx context.Context, t target, f *fleet, concurrency int) (time.Duration, error) {
	start := time.Now()
	if _, err := adminPost(ctx, t, "/api/v1/admin/branches/import", "text/csv", f.csv()); err != nil {
		return 0, err
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(f.branches) || ctx.Err() != nil {
					return
				}
				b := f.branches[i]
				raw, err := adminPost(ctx, t, "/api/v1/admin/branches/"+b.id+"/rotate", "application/json", []byte(`{"overlap":"0s"}`))
				var c struct {
					Token string `json:"token"`
				}
				if err == nil {
					err = json.Unmarshal(raw, &c)
				}
				if err == nil && c.Token == "" {
					err = fmt.Errorf("rotating %s gave no token", b.id)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				b.token = c.Token
			}
		})
	}
	wg.Wait()
	return time.Since(start), firstErr
}

func adminPost(ctx context.Context, t target, path, contentType string, body []byte) ([]byte, error) {
	req, err := t.request(ctx, http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: collector answered %s: %s", path, resp.Status, strings.TrimSpace(string(raw)))
	}
	return raw, nil
}
