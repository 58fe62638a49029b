package outboxtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func testConcurrentClaims(t *testing.T, s outbox.Store) {
	const incidents, perIncident, claimers = 20, 3, 4
	for n := range perIncident {
		var ms []notify.Message
		for i := range incidents {
			ms = append(ms, message(fmt.Sprintf("inc-%02d", i), "C1", n, notify.Post))
		}
		enqueue(t, s, ms...)
	}
	var (
		mu    sync.Mutex
		got   = map[int64]int{}
		order = map[string][]string{}
		wg    sync.WaitGroup
		errs  = make(chan error, claimers)
	)
	for range claimers {
		wg.Go(func() {
			ctx := context.Background()
			for idle := 0; idle < 3; {
				rows, err := s.Claim(ctx, base, 3, lease)
				if err != nil {
					errs <- err
					return
				}
				if len(rows) == 0 {
					idle++
					runtime.Gosched() // let another claimer finish its rows
					continue
				}
				idle = 0
				for _, r := range rows {
					mu.Lock()
					got[r.Seq]++
					order[r.Message.IncidentID] = append(order[r.Message.IncidentID], r.Message.Title)
					mu.Unlock()
					if err := s.Delivered(ctx, r.Seq, notify.Receipt{Channel: "C1", TS: r.Message.Title}, base); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("claimer: %v", err)
	}
	for seq, n := range got {
		if n != 1 {
			t.Errorf("row %d claimed %d times", seq, n)
		}
	}
	if len(got) != incidents*perIncident {
		t.Errorf("%d rows claimed, want %d", len(got), incidents*perIncident)
	}
	for inc, titles := range order {
		for n, title := range titles {
			if want := fmt.Sprintf("%s #%d", inc, n); title != want {
				t.Errorf("%s delivered %q as number %d, want %q (out of order)", inc, title, n, want)
			}
		}
	}
}
