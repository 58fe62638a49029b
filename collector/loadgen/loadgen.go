package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// Options size the load.
type Options struct {
	Branches, Results, Batch, Concurrency int
	// Rounds is how many times both modes are measured, in alternating
	// order; the ratio reported is the median of the rounds' ratios.
	Rounds int
	Gzip   bool
	Dir    string
	Out    io.Writer
}

// Figures are one mode's measurement.
type Figures struct {
	Mode     string
	Results  int
	Elapsed  time.Duration
	PerSec   float64
	Requests int
}

// Run measures the discard baseline and the SQLite store Rounds times,
// alternating which goes first (discard, SQLite, then SQLite, discard...)
// so that a burst of other load on the machine does not always fall on
// the same mode, and prints every round and the medians.
func Run(ctx context.Context, o Options) error {
	if o.Batch < 1 || o.Branches < 1 || o.Results < o.Branches || o.Concurrency < 1 {
		return fmt.Errorf("need batch >= 1, branches >= 1, results >= branches (every branch sends), concurrency >= 1")
	}
	o.Rounds = max(o.Rounds, 1)
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "branchready-loadgen-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	per := o.Results / o.Branches
	fmt.Fprintf(o.Out, "loadgen: %d results: %d from each of %d branches in batches of at most %d (the first with the branch's descriptor), %d in flight, gzip=%v, GOMAXPROCS=%d, %d rounds; %s\n",
		per*o.Branches, per, o.Branches, o.Batch, o.Concurrency, o.Gzip, runtime.GOMAXPROCS(0), o.Rounds, loadAverage())
	var ratios, discard, stored []float64
	for round := range o.Rounds {
		modes := []string{"discard", "sqlite"}
		if round%2 == 1 {
			modes = []string{"sqlite", "discard"}
		}
		rates := map[string]float64{}
		for _, mode := range modes {
			f, err := measure(ctx, o, mode, filepath.Join(dir, fmt.Sprintf("loadgen-%s-%d.db", mode, round+1)))
			if err != nil {
				return fmt.Errorf("%s: %w", mode, err)
			}
			fmt.Fprintf(o.Out, "round %d %-8s %9d results in %8s: %10.0f results/s (%d requests)\n", round+1, f.Mode, f.Results, f.Elapsed.Round(time.Millisecond), f.PerSec, f.Requests)
			rates[mode] = f.PerSec
		}
		discard, stored = append(discard, rates["discard"]), append(stored, rates["sqlite"])
		ratios = append(ratios, rates["sqlite"]/rates["discard"])
	}
	fmt.Fprintf(o.Out, "median of %d rounds: discard %.0f results/s, sqlite %.0f results/s, ratio stored/discarded %.2f (rounds: %.2f)\n",
		o.Rounds, median(discard), median(stored), median(ratios), ratios)
	return nil
}

// measure runs one mode against a collector of its own. Both modes take the
// same path, a real SQLite store included; discard only tells ingest to
// decode and drop, so the difference between them is the store's cost.
func measure(ctx context.Context, o Options, mode, dbPath string) (_ Figures, err error) {
	log := slog.New(slog.DiscardHandler)
	tokens, err := auth.NewTokens(nil)
	if err != nil {
		return Figures{}, err
	}
	toks := make([]string, o.Branches)
	for i := range toks {
		toks[i] = fmt.Sprintf("loadgen-token-%06d-0123456789", i)
		tokens.Add(branchID(i), toks[i])
	}
	users, err := auth.NewUsers(nil)
	if err != nil {
		return Figures{}, err
	}
	st, err := sqlite.Open(ctx, dbPath, log)
	if err != nil {
		return Figures{}, err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	srv := collector.NewServer(collector.ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Discard: mode == "discard"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Figures{}, err
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	// The server stops before the store closes, and its error is ours.
	defer func() {
		cancel()
		if serr := <-served; serr != nil {
			err = errors.Join(err, fmt.Errorf("serve: %w", serr))
		}
	}()
	bodies, err := encode(o, toks)
	if err != nil {
		return Figures{}, err
	}
	return drive(sctx, cancel, o, mode, "http://"+ln.Addr().String()+"/api/v1/results", bodies)
}

// drive posts the bodies with o.Concurrency workers and times them; the
// first failure stops every worker.
func drive(ctx context.Context, cancel func(), o Options, mode, url string, bodies []body) (Figures, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency}}
	defer client.CloseIdleConnections()
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	progress := time.NewTicker(2 * time.Second)
	defer progress.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				if err := post(ctx, client, url, bodies[i], o.Gzip); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(int64(bodies[i].n))
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for loop := true; loop; {
		select {
		case <-finished:
			loop = false
		case <-progress.C:
			fmt.Fprintf(o.Out, "  %s: %d results\n", mode, done.Load())
		}
	}
	elapsed := time.Since(start)
	if firstErr != nil {
		return Figures{}, firstErr
	}
	n := int(done.Load())
	return Figures{Mode: mode, Results: n, Elapsed: elapsed, PerSec: float64(n) / elapsed.Seconds(), Requests: len(bodies)}, nil
}

type body struct {
	token string
	data  []byte
	n     int
}

// encode prepares every request body before the clock starts, so that the
// measurement is of the server, not of the load generator's JSON encoder.
// Every branch sends the same share of the results, in batches of at most
// o.Batch, the first carrying its descriptor as an agent's first batch
// does.
func encode(o Options, toks []string) ([]body, error) {
	now := time.Now().UTC()
	per := o.Results / o.Branches
	var out []body
	for b := range o.Branches {
		sb := &simBranch{id: branchID(b), name: "Branch " + branchID(b), region: "region-00", zone: "UTC"}
		for sent := 0; sent < per; sent += o.Batch {
			n := min(o.Batch, per-sent)
			batch := result.Batch{Branch: sb.id, Agent: result.Agent{Version: "loadgen", ConfigHash: "loadgen", SentAt: now}}
			if sent == 0 {
				batch.Descriptor = descriptor(sb, "08:00-17:00")
			}
			for j := range n {
				c := branchChecks[(sent+j)%len(branchChecks)]
				batch.Results = append(batch.Results, result.Result{
					ID: result.NewID(), Branch: sb.id, Device: c.device, Check: c.name, Kind: c.kind,
					Status: result.StatusOK, StartedAt: now.Add(-time.Duration(sent+j) * time.Millisecond), DurationMS: 1.5,
					Reason: "answered in 1 ms", Observations: map[string]float64{"latency_seconds": 0.0012},
					Sweep: result.NewSweepID("pre_opening", now), AgentVersion: "loadgen",
				})
			}
			data, err := json.Marshal(batch)
			if err != nil {
				return nil, err
			}
			if o.Gzip {
				if data, err = gzipped(data); err != nil {
					return nil, err
				}
			}
			out = append(out, body{token: toks[b], data: data, n: n})
		}
	}
	return out, nil
}

func gzipped(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// post sends one batch and insists that the collector took all of it: a
// 200 that rejected some results is a failure of the run, not a figure.
func post(ctx context.Context, c *http.Client, url string, b body, gz bool) error {
	_, err := postStored(ctx, c, url, b, gz)
	return err
}

// postStored posts b and returns when the collector says it had stored it
// (the answer's stored_at; zero from a collector that does not say).
func postStored(ctx context.Context, c *http.Client, url string, b body, gz bool) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b.data))
	if err != nil {
		return time.Time{}, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(resp.Body)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the collector's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("collector answered %s: %s", resp.Status, msg)
	}
	var ir result.IngestResponse
	if err := json.Unmarshal(msg, &ir); err != nil {
		return time.Time{}, fmt.Errorf("collector answered 200 with %q: %w", msg, err)
	}
	if len(ir.Rejected) > 0 {
		return time.Time{}, fmt.Errorf("collector rejected %d of %d results, the first: %s", len(ir.Rejected), b.n, ir.Rejected[0].Error)
	}
	if got := ir.Accepted + ir.Duplicates; got != b.n {
		return time.Time{}, fmt.Errorf("collector took %d of %d results", got, b.n)
	}
	return ir.StoredAt, nil
}

func branchID(i int) string { return fmt.Sprintf("load-%05d", i) }
