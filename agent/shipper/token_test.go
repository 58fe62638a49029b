package shipper

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/branchready/branchready/result"
)

func TestTheTokenNeverAppearsInLogsOrStatus(t *testing.T) {
	const token = "tok-4f1d9c0be7a2-branch-001"
	var sawToken bool
	c := newCollector()
	// The collector echoes the Authorization header it got, the worst case.
	c.fault = func(n int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool {
		sawToken = sawToken || r.Header.Get("Authorization") == "Bearer "+token
		switch n {
		case 1:
			return answer(401, `{"error":"unknown token `+r.Header.Get("Authorization")+`"}`)(n, b, w, r)
		case 2:
			return answer(500, `internal error for `+r.Header.Get("Authorization"))(n, b, w, r)
		default:
			return answer(429, `{"error":"slow down `+token+`"}`, "Retry-After", "2")(n, b, w, r)
		}
	}
	h := newHarness(t, serve(t, c).URL)
	h.opts.Token = token
	h.put("r", 3)
	ctx, cancel := context.WithCancel(context.Background())
	var statuses []Status
	s := New(h.opts)
	h.onWait = func(n int) {
		statuses = append(statuses, s.Status())
		if n == 3 {
			cancel()
		}
	}
	h.opts.Log.Info("options", "opts", h.opts, "token", h.opts.Token)
	_ = s.Run(ctx)
	if !sawToken {
		t.Fatal("the collector never received the token: the test proves nothing")
	}
	if strings.Contains(h.log.String(), token) {
		t.Errorf("the token is in the log:\n%s", h.log.String())
	}
	if len(statuses) != 3 {
		t.Fatalf("%d statuses, want 3", len(statuses))
	}
	for _, st := range statuses {
		if text := fmt.Sprintf("%+v %v", st, st); strings.Contains(text, token) || st.LastError == "" {
			t.Errorf("status shows the token or no error: %s", text)
		}
	}
}
