package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/branchready/branchready/result"
)

// fetchConfirmations brings the confirmations staff made on the collector's
// board for today into the agent's book before a sweep. When the collector
// cannot be reached the sweep goes on with what the agent has: the branch
// PC's own confirmations still count.
func (a *agentState) fetchConfirmations(ctx context.Context, b *Branch, client *http.Client) {
	if !hasManual(b) {
		return
	}
	l := b.Config
	date := time.Now().In(l.Calendar.Location()).Format(time.DateOnly)
	cs, err := getConfirmations(ctx, client, l.File.Collector.URL, l.Token.Reveal(), date)
	if err != nil {
		a.o.Log.Warn("cannot fetch confirmations from the collector; using the branch PC's own", "err", err)
		return
	}
	for _, c := range cs {
		a.remote.Confirm(c)
	}
}

func hasManual(b *Branch) bool {
	for _, c := range b.Checks {
		if c.Kind == "manual" {
			return true
		}
	}
	return false
}

func getConfirmations(ctx context.Context, client *http.Client, base, token, date string) ([]result.Confirmation, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/confirmations?date="+url.QueryEscape(date), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get confirmations: %w", redactURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get confirmations: collector answered %s", resp.Status)
	}
	var body struct {
		Confirmations []result.Confirmation `json:"confirmations"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("get confirmations: %w", err)
	}
	return body.Confirmations, nil
}

// redactURLError keeps the operation and cause of a client error; the
// token travels in a header, never in the URL, so nothing else to hide.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s %s: %w", ue.Op, ue.URL, ue.Err)
	}
	return err
}
