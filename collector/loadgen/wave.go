package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// WaveOptions size a pre-opening wave (see RunWave).
type WaveOptions struct {
	// Binary is the branchready-collector executable the load generator
	// runs as `branches import` and `serve`.
	Binary string
	// Branches is the bank's size; Growth, when set, runs each size in
	// turn instead and prints the growth table.
	Branches int
	Growth   []int
	// Rounds is how many waves are measured against each collector; the
	// figures reported are their medians.
	Rounds      int
	Concurrency int
	// Readers are operators reading the board during each wave (0:
	// nobody, to see ingest and judging alone), each reading its three
	// pages once every ReadEvery (0: without pause, a stress rather than
	// an operations centre).
	Readers   int
	ReadEvery time.Duration
	// URL, when set, is a collector already running: branches are
	// registered through its admin API with the User's login (role admin),
	// and only the figures read from outside are measured.
	URL, User, Password string
	// Collectors > 1 starts that many collectors on the PostgreSQL of DSN
	// behind a round-robin proxy; KillLeader then kills the leader with
	// SIGKILL halfway through the middle round; RollingRestart instead
	// restarts each collector in turn (SIGTERM, then started again) from
	// halfway through the middle round.
	Collectors     int
	KillLeader     bool
	RollingRestart bool
	// DSN names a PostgreSQL server where the load generator may create
	// a database for each collector it starts (and drops it after);
	// empty means SQLite.
	DSN string
	// Dir holds the configuration, the SQLite file and the tokens; default
	// a temporary folder, removed at the end.
	Dir string
	// Timeout bounds the wait for a round's verdicts and notifications.
	Timeout time.Duration
	Out     io.Writer
}

// readPace words how often a reader reads its pages.
func readPace(every time.Duration) string {
	if every <= 0 {
		return "without pause"
	}
	return "each every " + every.String()
}

// RunWave measures pre-opening waves against a real collector process per
// size: it imports the branches, starts the collector with a fake Slack,
// posts every branch's sweep at once Rounds times, and prints each round's
// figures, their medians and, for several sizes, the growth table. It
// fails when a result is refused or lost, when a verdict is not the one
// the sweep implies, or when a newly failing check is not notified.
func RunWave(ctx context.Context, o WaveOptions) error {
	if o.Rounds < 1 || o.Concurrency < 1 || o.Readers < 0 || (o.Binary == "" && o.URL == "") {
		return errors.New("need rounds >= 1, concurrency >= 1, readers >= 0 and the collector binary or --url")
	}
	if o.Collectors > 1 && (o.DSN == "" || o.URL != "") {
		return errors.New("several collectors share one PostgreSQL: give --dsn (and no --url)")
	}
	if (o.KillLeader || o.RollingRestart) && o.Collectors < 2 {
		return errors.New("--kill-leader and --rolling-restart need --collectors 2 or more")
	}
	if o.KillLeader && o.RollingRestart {
		return errors.New("--kill-leader and --rolling-restart: choose one")
	}
	sizes := o.Growth
	if len(sizes) == 0 {
		sizes = []int{o.Branches}
	}
	for _, n := range sizes {
		if n < 1 {
			return fmt.Errorf("branches %d: must be at least 1", n)
		}
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "branchready-wave-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	storeName := "SQLite"
	switch {
	case o.URL != "":
		storeName = "the collector at " + o.URL
	case o.DSN != "":
		storeName = "PostgreSQL"
	}
	fmt.Fprintf(o.Out, "wave: %s, %d checks a branch, %d rounds, %d agents posting at once, %d board readers %s; %s\n",
		storeName, checksPerBranch, o.Rounds, o.Concurrency, o.Readers, readPace(o.ReadEvery), loadAverage())
	var rows []sizeFigures
	for _, n := range sizes {
		sf, _, err := runSize(ctx, o, n, filepath.Join(dir, fmt.Sprintf("size-%d", n)))
		if err != nil {
			return fmt.Errorf("%d branches: %w", n, err)
		}
		rows = append(rows, sf)
	}
	if len(rows) > 1 {
		printGrowth(o.Out, storeName, rows)
	}
	return nil
}

// runSize measures o.Rounds waves of n branches against a new collector.
func runSize(ctx context.Context, o WaveOptions, n int, dir string) (sf sizeFigures, s setup, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sf, s, err
	}
	f, err := newFleet(n, time.Now())
	if err != nil {
		return sf, s, err
	}
	var c *child
	var slack *fakeSlack
	if o.URL != "" {
		c = &child{target: target{url: strings.TrimRight(o.URL, "/"), user: o.User, password: o.Password},
			logs: &logBuf{}}
		took, err := registerRemote(ctx, c.target, f, o.Concurrency)
		if err != nil {
			return sf, s, err
		}
		fmt.Fprintf(o.Out, "\n%d branches in %d time zones: imported through the admin API, a token rotated for each, in %s\n", n, len(f.zones), took.Round(time.Millisecond))
		fmt.Fprintln(o.Out, "(a collector the load generator did not start: no notification, RSS or CPU figures, and stored results are not counted)")
	} else {
		var cleanup func() error
		if c, slack, s, cleanup, err = startLocal(ctx, o, f, dir); err != nil {
			return sf, s, err
		}
		defer func() { err = errors.Join(err, cleanup()) }()
	}
	for _, u := range c.addresses() {
		if err := warmUp(ctx, u, f.branches[0]); err != nil {
			return sf, s, err
		}
	}
	runStart := time.Now()
	printRoundHeader(o.Out)
	for r := range o.Rounds {
		fig, err := runRound(ctx, o, c, f, slack, r)
		if err != nil {
			return sf, s, fmt.Errorf("round %d: %w\ncollector's last output:\n%s", r+1, err, c.tail())
		}
		printRound(o.Out, fmt.Sprint(r+1), summarize(fig))
		for _, l := range []latencies{fig.board, fig.filtered, fig.branch} {
			if l.firstErr != nil {
				fmt.Fprintf(o.Out, "        %d board requests failed, the first: %v\n", l.failed, l.firstErr)
			}
		}
		sf.rounds = append(sf.rounds, fig)
	}
	sf.branches = n
	sf.median = medianOf(sf.rounds)
	printRound(o.Out, "median", sf.median)
	if slack == nil {
		return sf, s, nil
	}
	if d := slack.duplicates(); d > 0 {
		return sf, s, fmt.Errorf("%d incident messages reached Slack more than once", d)
	}
	c.stop()
	want := n * checksPerBranch * o.Rounds
	got, err := countStored(ctx, s, f, runStart.Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		return sf, s, fmt.Errorf("counting stored results: %w", err)
	}
	fmt.Fprintf(o.Out, "stored after the collector stopped: %d of %d results acknowledged\n", got, want)
	if got != want {
		return sf, s, fmt.Errorf("%d results acknowledged, %d stored", want, got)
	}
	return sf, s, nil
}

// startLocal prepares and starts a collector process for the fleet: a
// fake Slack, a fresh store, the configuration, the branches imported
// with their tokens. cleanup stops what it started and drops the
// PostgreSQL database it made.
func startLocal(ctx context.Context, o WaveOptions, f *fleet, dir string) (c *child, slack *fakeSlack, s setup, cleanup func() error, err error) {
	var undo []func() error
	cleanup = func() error {
		var errs []error
		for i := len(undo) - 1; i >= 0; i-- {
			errs = append(errs, undo[i]())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, cleanup())
		}
	}()
	if slack, err = startSlack(); err != nil {
		return
	}
	undo = append(undo, func() error { slack.close(); return nil })
	addr, err := freeAddr()
	if err != nil {
		return
	}
	s = setup{bin: o.Binary, dir: dir, addr: addr, slackURL: slack.url, fleet: f}
	if o.DSN != "" {
		dsn, drop, derr := freshDatabase(ctx, o.DSN, len(f.branches))
		if err = derr; err != nil {
			return
		}
		undo = append(undo, drop)
		s.dsn = dsn
	}
	config, err := s.writeConfig()
	if err != nil {
		return
	}
	imported, err := s.register(ctx, config)
	if err != nil {
		return
	}
	fmt.Fprintf(o.Out, "\n%d branches in %d time zones: branches import (with tokens) took %s\n", len(f.branches), len(f.zones), imported.Round(time.Millisecond))
	if o.Collectors <= 1 {
		if c, err = s.startChild(ctx, config, s.addr); err != nil {
			return
		}
		undo = append(undo, func() error { c.stop(); return nil })
		return c, slack, s, cleanup, nil
	}
	c = &child{target: target{user: userName, password: userPassword}, logs: &logBuf{}}
	undo = append(undo, func() error { c.stop(); return nil })
	var backends []string
	for i := range o.Collectors {
		addr := s.addr
		if i > 0 {
			if addr, err = freeAddr(); err != nil {
				return
			}
		}
		p, serr := s.startChild(ctx, config, addr)
		if err = serr; err != nil {
			return
		}
		p.relaunch = func(ctx context.Context) (*child, error) { return s.startChild(ctx, config, addr) }
		c.procs, backends = append(c.procs, p), append(backends, p.direct)
	}
	px, err := startProxy(backends)
	if err != nil {
		return
	}
	undo = append(undo, func() error { px.close(); return nil })
	c.url = px.url
	fmt.Fprintf(o.Out, "%d collectors on one PostgreSQL behind a round-robin proxy at %s\n", o.Collectors, px.url)
	return c, slack, s, cleanup, nil
}

// countStored opens the collector's store, once it has stopped, and counts
// every branch's results between from and to.
func countStored(ctx context.Context, s setup, f *fleet, from, to time.Time) (int, error) {
	var st store.Store
	var err error
	if s.dsn != "" {
		st, err = postgres.Open(ctx, s.dsn, nil)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(s.dir, "wave.db"), nil)
	}
	if err != nil {
		return 0, err
	}
	defer st.Close()
	n := 0
	for _, b := range f.branches {
		rs, err := st.Results(ctx, b.id, from, to)
		if err != nil {
			return 0, err
		}
		n += len(rs)
	}
	return n, nil
}

// loadAverage is the machine's load, printed with every figure: on a
// shared machine the figures move with it.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "load average unknown"
	}
	return "load average " + strings.Join(f[:3], " ")
}

// freshDatabase creates an empty database for one collector on the
// PostgreSQL server of dsn and returns its DSN and a function dropping it
// (keeping it when BRANCHREADY_WAVE_KEEPDB is set, for a look at what the
// rounds left: bench/wave.sh's PGKEEP sets it).
func freshDatabase(ctx context.Context, dsn string, branches int) (string, func() error, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("--dsn: %w", err)
	}
	name := fmt.Sprintf("branchready_wave_%d_%d_%d", os.Getpid(), branches, time.Now().Unix())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("--dsn: creating a database for the run: %w", err)
	}
	drop := func() error {
		defer conn.Close(context.Background())
		if os.Getenv("BRANCHREADY_WAVE_KEEPDB") != "" {
			fmt.Fprintf(os.Stderr, "kept database %s\n", name)
			return nil
		}
		_, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		return err
	}
	return withDatabase(dsn, name), drop, nil
}

// withDatabase points dsn (a URL or key=value words) at database name.
func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}

// warmUp sends one heartbeat (a batch without results) and waits for its
// acknowledgement. A collector just started loads the tokens issued in
// the store on the first agent request and, meanwhile, answers the
// others 401 (see the report in BENCHMARKS.md); the wave starts once the
// tokens are loaded, as it would on a collector that has been running.
func warmUp(ctx context.Context, url string, b *simBranch) error {
	client := &http.Client{}
	deadline := time.Now().Add(time.Minute)
	for {
		raw, err := json.Marshal(result.Batch{Branch: b.id, Results: []result.Result{},
			Agent: result.Agent{Version: "loadgen", ConfigHash: b.configHash, SentAt: time.Now()}})
		if err != nil {
			return err
		}
		err = post(ctx, client, url+"/api/v1/results", body{token: b.token, data: raw}, false)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("warming up: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
