package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// proxy is a round-robin load balancer in front of several collectors,
// configured as docs/operations.md's HAProxy example: each request goes
// to the next collector whose health check (GET /-/ready, every
// checkEvery) passed last, so a collector starting up (not yet through its
// first judgement) or without its database gets nothing; a collector that
// does not answer (killed: connection refused or reset) is passed over for
// the next at once, as HAProxy's redispatch does. Requests are repeated
// whole, which is safe for ingest: it is idempotent by result id. When no
// collector is up, each is tried in turn all the same.
type proxy struct {
	backends []string
	up       []atomic.Bool
	next     atomic.Uint64
	client   *http.Client
	srv      *http.Server
	url      string
	stop     chan struct{}
}

// checkEvery is how often the proxy asks each collector's /-/ready.
const checkEvery = 500 * time.Millisecond

func startProxy(backends []string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{backends: backends, up: make([]atomic.Bool, len(backends)), url: "http://" + ln.Addr().String(), stop: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 5 * time.Minute}}
	for i := range p.up {
		p.up[i].Store(true) // started and answering, as startChild waited for
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	go p.check()
	return p, nil
}

// check keeps up to date which collectors pass their health check.
func (p *proxy) check() {
	probe := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(checkEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		for i, b := range p.backends {
			resp, err := probe.Get(b + "/-/ready")
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			p.up[i].Store(ok)
		}
	}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var errs []error
	first := p.next.Add(1)
	n := uint64(len(p.backends))
	order := make([]int, 0, n)
	for i := range n { // those up first, in turn; the others after
		if k := int((first + i) % n); p.up[k].Load() {
			order = append(order, k)
		}
	}
	for i := range n {
		if k := int((first + i) % n); !p.up[k].Load() {
			order = append(order, k)
		}
	}
	for _, at := range order {
		b := p.backends[at]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, b+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := p.client.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, fmt.Sprintf("no collector answered: %v", errors.Join(errs...)), http.StatusBadGateway)
}

func (p *proxy) close() { close(p.stop); _ = p.srv.Close() }

// addresses are the collectors' own addresses: each must be warmed up,
// not only the one the proxy happens to pick.
func (c *child) addresses() []string {
	if len(c.procs) == 0 {
		return []string{c.url}
	}
	out := make([]string, len(c.procs))
	for i, p := range c.procs {
		out[i] = p.direct
	}
	return out
}

// leads asks a collector's /-/ready whether it is the leader.
func (c *child) leads() bool {
	if c.dead.Load() {
		return false
	}
	resp, err := http.Get(c.direct + "/-/ready")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), "leader: true")
}

// killLeader waits for the one collector that leads and kills it with
// SIGKILL, returning its address.
func killLeader(ctx context.Context, cs []*child) (string, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		for _, c := range cs {
			if c.leads() {
				c.dead.Store(true)
				if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
					return "", err
				}
				<-c.exited
				return c.direct, nil
			}
		}
		if time.Now().After(deadline) {
			return "", errors.New("no collector says it leads")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rollingRestart restarts each collector in turn (see child.restart), as an
// upgrade does one machine at a time, saying so as it goes.
func rollingRestart(ctx context.Context, out io.Writer, cs []*child, round int) error {
	for _, c := range cs {
		led := c.leads()
		gone, unready, err := c.restart(ctx)
		if err != nil {
			return fmt.Errorf("rolling restart: %w", err)
		}
		role := "a follower"
		if led {
			role = "the leader"
		}
		fmt.Fprintf(out, "        restarted %s (%s) with SIGTERM in round %d: exited cleanly, answering again after %s, ready (every branch judged) after %s\n",
			role, c.direct, round+1, gone.Round(time.Millisecond), unready.Round(time.Millisecond))
	}
	return nil
}
