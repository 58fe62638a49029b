package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// pageTimes are the board's answer times seen by the reader.
type pageTimes struct {
	board, filtered, branch latencies
}

// reader is an operator at the board during the wave: it asks for the
// first page, the first page filtered by region and verdict, and a branch
// page, in turn, once every `every` (without pause when every is 0), until
// stopped.
type reader struct {
	// reading is closed once the reader's first request is on its way:
	// the wave starts after that, so that every reader reads during it,
	// however short the wave and however late the reader was scheduled.
	reading chan struct{}
	done    chan pageTimes
}

// The branch page read is one whose agent has already been acknowledged
// this run (acked): a branch that never reported has no page yet.
// Reader number nth starts its round of pages at another branch.
// A paced reader starts at nth/readers of its period, so that the
// readers' requests spread over the period instead of arriving together.
//
// Stopping (stop ends) starts no further page, but a page under way is
// read to its end and counted: it was asked for during the wave, and
// cancelling it would leave a wave shorter than one page read with no
// figure at all. Requests end early only when ctx does.
func startReader(ctx, stop context.Context, t target, f *fleet, acked []atomic.Bool, nth, readers int, every time.Duration) *reader {
	r := &reader{reading: make(chan struct{}), done: make(chan pageTimes, 1)}
	client := &http.Client{Timeout: 5 * time.Minute}
	go func() {
		var pt pageTimes
		first := true
		// The first page is asked for at once and read whatever happens
		// (the wave starts once it is on its way, see reading); the next
		// rounds of pages come at the reader's share of the period.
		next := time.Now()
		if every > 0 {
			next = next.Add(every * time.Duration(nth) / time.Duration(readers))
		}
		for n := nth * 1009; first || pace(stop, next); n++ {
			next = next.Add(every)
			i := (n * 7919) % len(f.branches)
			b := f.branches[i]
			pages := []page{
				{"/", &pt.board},
				{fmt.Sprintf("/?region=%s&verdict=not_ready", b.region), &pt.filtered},
			}
			if acked[i].Load() {
				pages = append(pages, page{"/branches/" + b.id, &pt.branch})
			}
			for _, p := range pages {
				if !first && stop.Err() != nil {
					break
				}
				if first {
					close(r.reading)
					first = false
				}
				took, err := fetch(ctx, client, t, p.path)
				switch {
				case err == nil:
					p.into.add(took)
				case ctx.Err() == nil: // not the run being cancelled
					if p.into.failed++; p.into.firstErr == nil {
						p.into.firstErr = err
					}
				}
			}
		}
		r.done <- pt
	}()
	return r
}

// pace waits until next (at once when it has passed) and reports whether
// the reader should go on.
func pace(ctx context.Context, next time.Time) bool {
	if wait := time.Until(next); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}

// page is a board address and where its answer times go.
type page struct {
	path string
	into *latencies
}

// wait returns the times once the reader has stopped.
func (r *reader) wait() pageTimes { return <-r.done }

// fetch reads one page whole and returns how long it took.
func fetch(ctx context.Context, c *http.Client, t target, path string) (time.Duration, error) {
	req, err := t.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s answered %s", path, resp.Status)
	}
	return time.Since(start), nil
}
