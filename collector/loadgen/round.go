package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// waveBody is one branch's pre-encoded sweep.
type waveBody struct {
	branch int
	body   body
	plan   plan
}

// runRound posts every branch's sweep once, as the agents of a wave do,
// and measures it (see roundFigures).
func runRound(ctx context.Context, o WaveOptions, c *child, f *fleet, slack *fakeSlack, round int) (roundFigures, error) {
	fig := roundFigures{results: len(f.branches) * checksPerBranch, load: loadAverage()}
	bodies, err := encodeWave(f, round)
	if err != nil {
		return fig, err
	}
	// Collect the encoder's garbage now, before the clock starts, so the
	// load generator's own GC does not run beside the collector in the wave.
	runtime.GC()
	_, cpu0, err := c.usage()
	if err != nil {
		return fig, err
	}
	_, gen0, err := procUsage("self")
	if err != nil {
		return fig, err
	}
	rctx, stopReading := context.WithCancel(ctx)
	acked := make([]atomic.Bool, len(f.branches))
	if round > 0 {
		for i := range acked {
			acked[i].Store(true)
		}
	}
	readers := make([]*reader, o.Readers)
	for i := range readers {
		readers[i] = startReader(ctx, rctx, c.target, f, acked, i, o.Readers, o.ReadEvery)
	}
	for _, r := range readers {
		<-r.reading
	}
	waitReaders := func() (all pageTimes) {
		for _, r := range readers {
			pt := r.wait()
			all.board.merge(pt.board)
			all.filtered.merge(pt.filtered)
			all.branch.merge(pt.branch)
		}
		return all
	}
	start := time.Now()
	// midway is what happens to the collectors halfway through the middle
	// round (a leader killed, a rolling restart); its error, if any,
	// arrives on done.
	midway, done := func() {}, chan error(nil)
	if o.KillLeader && round == o.Rounds/2 {
		done = make(chan error, 1)
		midway = func() {
			go func() {
				addr, err := killLeader(ctx, c.procs)
				if err != nil {
					done <- fmt.Errorf("killing the leader: %w", err)
					return
				}
				fmt.Fprintf(o.Out, "        killed the leader (%s) with SIGKILL halfway through round %d\n", addr, round+1)
				done <- nil
			}()
		}
	}
	if o.RollingRestart && round == o.Rounds/2 {
		done = make(chan error, 1)
		midway = func() { go func() { done <- rollingRestart(ctx, o.Out, c.procs, round) }() }
	}
	acks, stored, err := postWave(ctx, o.Concurrency, c.url+"/api/v1/results", bodies, acked, midway)
	if done != nil && err == nil {
		err = <-done
	}
	if err != nil {
		stopReading()
		waitReaders()
		return fig, err
	}
	last := start
	for _, a := range acks {
		last = later(last, a)
	}
	fig.absorbed = last.Sub(start)
	judged, err := waitJudged(ctx, o.Out, c.target, f, bodies, stored, o.Timeout)
	stopReading()
	pages := waitReaders()
	if err != nil {
		return fig, err
	}
	fig.judged = judged.Sub(start)
	fig.board, fig.filtered, fig.branch = pages.board, pages.filtered, pages.branch
	if slack != nil {
		if fig.notify, err = waitNotified(ctx, slack, f, bodies, acks, round, o.Timeout); err != nil {
			return fig, err
		}
	}
	rss, cpu1, err := c.usage()
	if err != nil {
		return fig, err
	}
	_, gen1, err := procUsage("self")
	if err != nil {
		return fig, err
	}
	fig.peakRSS, fig.cpu, fig.genCPU = rss, cpu1-cpu0, gen1-gen0
	return fig, nil
}

// encodeWave prepares every branch's batch before the clock starts, so
// the figures are the collector's, not the load generator's encoder's.
func encodeWave(f *fleet, round int) ([]waveBody, error) {
	sent := time.Now()
	out := make([]waveBody, len(f.branches))
	for i, b := range f.branches {
		p := planOf(i, round)
		data, err := json.Marshal(b.batch(p, round, sent))
		if err != nil {
			return nil, err
		}
		if data, err = gzipped(data); err != nil {
			return nil, err
		}
		out[i] = waveBody{branch: i, plan: p, body: body{token: b.token, data: data, n: checksPerBranch}}
	}
	return out, nil
}

// postWave posts every body with concurrency agents at a time and returns
// when each was acknowledged in full; any refusal fails the wave.
//
// midway is called once, when half the bodies are acknowledged.
func postWave(ctx context.Context, concurrency int, url string, bodies []waveBody, acked []atomic.Bool, midway func()) (acks, stored []time.Time, err error) {
	var done atomic.Int64
	var half sync.Once
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	acks, stored = make([]time.Time, len(bodies)), make([]time.Time, len(bodies))
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				at, err := postStored(ctx, client, url, bodies[i].body, true)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("branch %s: %w", branchID(bodies[i].branch), err); cancel() })
					return
				}
				acks[i] = time.Now()
				// A verdict is current once judged at or after the
				// batch was stored; the acknowledgement arrives later,
				// and a judgement made in between is current too.
				stored[i] = at
				if at.IsZero() {
					stored[i] = acks[i]
				}
				acked[bodies[i].branch].Store(true)
				if int(done.Add(1)) == len(bodies)/2 {
					half.Do(midway)
				}
			}
		})
	}
	wg.Wait()
	return acks, stored, firstErr
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
