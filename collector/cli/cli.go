package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/demo"
	"github.com/branchready/branchready/collector/loadgen"
	"github.com/branchready/branchready/command"
	"github.com/branchready/branchready/version"
)

const usage = `branchready-collector ingests results from branch agents, judges each
branch's readiness against its deadline, and serves the ops board, a JSON API
and Prometheus metrics.

Usage:
  branchready-collector demo [--listen ADDR]     a collector with simulated branches; nothing to set up
  branchready-collector serve -c FILE [--listen ADDR] [--config.check] [--log.level L] [--log.format logfmt|json]
                                                 SIGHUP or POST /-/reload re-reads the configuration
  branchready-collector validate -c FILE         check a configuration file and exit
  branchready-collector token --branch ID        make a branch token and the config line for it
  branchready-collector branches import|add|list|rotate|code|revoke -c FILE ...
                                                 the branch registry and agent tokens in the store
  branchready-collector hash-password            read a password on stdin, print its bcrypt hash
  branchready-collector keygen [--out FILE]      make the Ed25519 key that signs pre-opening records
  branchready-collector verify-record FILE [--public-key FILE]
                                                 check a signed pre-opening record: exit 0 valid, 1 tampered with
  branchready-collector loadgen [flags]          measure ingest throughput over real HTTP (stored vs discarded)
  branchready-collector loadgen --wave [--branches N|--growth N,N...] [--dsn DSN]
                                                 measure a pre-opening wave against a collector process
  branchready-collector version

Run 'branchready-collector COMMAND -h' for a command's flags.
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "validate":
		err = validate(args[1:], stdout, stderr)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "loadgen":
		err = runLoadgen(ctx, args[1:], stdout, stderr)
	case "token":
		err = token(args[1:], stdout, stderr)
	case "branches":
		err = branchesCmd(ctx, args[1:], stdout, stderr)
	case "hash-password":
		err = hashPassword(stdin, stdout)
	case "keygen":
		err = keygen(args[1:], stdout, stderr)
	case "verify-record":
		err = verifyRecord(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, program+" "+version.Get().String())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // asked for: the usage is printed, as flag's ExitOnError does
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, err)
	return exitCode(err)
}

var errUsage = command.ErrUsage

// program names the binary in usage messages.
const program = "branchready-collector"

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "serve", "-c FILE [--listen ADDR] [--config.check]", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	listen := fs.String("listen", "", "address to serve on (overrides the config)")
	check := fs.Bool("config.check", false, "validate the configuration and exit")
	logf := command.LogFlags(fs)
	if err := configFlag(fs, args, cfg); err != nil {
		return err
	}
	if *check {
		return validate([]string{"-c", *cfg}, stdout, stderr)
	}
	log, err := logf.Logger(stderr)
	if err != nil {
		return err
	}
	tuneServeGC()
	return collector.Run(ctx, collector.Options{ConfigPath: *cfg, Listen: *listen, Log: log})
}

// validate checks a configuration file as serve would load it.
func validate(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "validate", "-c FILE", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	if err := configFlag(fs, args, cfg); err != nil {
		return err
	}
	c, err := collector.Check(*cfg)
	if err != nil {
		return err
	}
	tls := "plain HTTP"
	if c.TLS.CertFile != "" {
		tls = "HTTPS"
	}
	// Only the tokens of the file: validate does not open the store, where
	// most branches' tokens are kept (branchready-collector branches list).
	fmt.Fprintf(stdout, "%s: valid: listen %s (%s), store %s, %d branch tokens in agents:, %d users\n", *cfg, c.Listen, tls, c.Store.Driver, len(c.Agents), len(c.Users))
	return nil
}

// configFlag parses args and insists on -c FILE.
func configFlag(fs *flag.FlagSet, args []string, cfg *string) error {
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if *cfg == "" {
		fmt.Fprintln(fs.Output(), "missing -c FILE")
		fs.Usage()
		return errUsage
	}
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "demo", "[--listen ADDR] [--slack-api-url URL [--slack-signing-secret S]]", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve the board on")
	verbose := fs.Bool("v", false, "log what the collector and agents do")
	slackURL := fs.String("slack-api-url", "", "send the demo's alerts to this Slack Web API (e.g. https://slack.com/api/ with SLACK_BOT_TOKEN set, or a fake Slack); without it they show on the board only")
	signing := fs.String("slack-signing-secret", "", "the Slack app's signing secret, so its buttons reach POST /slack/interactions")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	return demo.Run(ctx, demo.Options{Listen: *listen, Out: stdout, LogOut: stderr, Verbose: *verbose,
		SlackAPIURL: *slackURL, SlackToken: os.Getenv("SLACK_BOT_TOKEN"), SlackSigningSecret: *signing})
}

func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "loadgen", "[--wave] [flags]", stderr)
	o := loadgen.Options{Out: stdout}
	wave := fs.Bool("wave", false, "a pre-opening wave against a real collector process: every branch sends its descriptor and 20 results at once; prints absorbed, judged, board, notification, RSS and CPU figures")
	fs.IntVar(&o.Branches, "branches", 200, "simulated branches, each with its own token (wave: default 20000)")
	fs.IntVar(&o.Results, "results", 200000, "results to post in each mode (not --wave)")
	fs.IntVar(&o.Batch, "batch", 500, "most results per request (not --wave)")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "requests in flight (wave: agents posting at once, default 64)")
	fs.IntVar(&o.Rounds, "rounds", 5, "rounds measured; figures are their medians (discard and SQLite interleaved; wave: default 3)")
	fs.BoolVar(&o.Gzip, "gzip", false, "gzip request bodies as agents do (wave: always)")
	fs.StringVar(&o.Dir, "dir", "", "folder for the SQLite file, configuration and tokens (default: a temporary folder)")
	dsn := fs.String("dsn", "", "wave: PostgreSQL server (URL or key=value) where a fresh database is created for each collector and dropped after; default SQLite")
	growth := fs.String("growth", "", "wave: sizes to run in turn, e.g. 2000,5000,10000,20000, printing the growth table")
	url := fs.String("url", "", "wave: a collector already running (e.g. http://127.0.0.1:8080) instead of starting one; branches are registered through its admin API")
	user := fs.String("user", "", "wave --url: a login with role admin on that collector; its password in $BRANCHREADY_LOADGEN_PASSWORD")
	collectors := fs.Int("collectors", 1, "wave --dsn: collectors on the one PostgreSQL behind a round-robin proxy")
	killLeader := fs.Bool("kill-leader", false, "wave --collectors 2+: kill the leader with SIGKILL halfway through the middle round")
	rolling := fs.Bool("rolling-restart", false, "wave --collectors 2+: from halfway through the middle round, restart each collector in turn (SIGTERM, then start it again)")
	readers := fs.Int("readers", 4, "wave: operators reading the board (first page, filtered page, a branch page) during each wave; 0 for none")
	readEvery := fs.Duration("read-every", time.Second, "wave: how often each reader reads its three pages; 0 reads without pause (a stress: one such reader asks for about 200 pages a second)")
	timeout := fs.Duration("timeout", 10*time.Minute, "wave: longest wait for a round's verdicts and notifications")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if !*wave {
		return loadgen.Run(ctx, o)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	wo := loadgen.WaveOptions{Branches: o.Branches, Rounds: o.Rounds, Concurrency: o.Concurrency, DSN: *dsn, Dir: o.Dir, Timeout: *timeout, Readers: *readers, ReadEvery: *readEvery, Out: stdout,
		Collectors: *collectors, KillLeader: *killLeader, RollingRestart: *rolling, URL: *url, User: *user, Password: os.Getenv("BRANCHREADY_LOADGEN_PASSWORD")}
	// A wave has its own defaults: the bank of issue 11, a few rounds, and
	// as many agents posting at once as a loopback server can serve.
	if !set["branches"] {
		wo.Branches = 20000
	}
	if !set["rounds"] {
		wo.Rounds = 3
	}
	if !set["concurrency"] {
		wo.Concurrency = 64
	}
	for _, s := range strings.Split(*growth, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("--growth %q: want sizes like 2000,5000,10000,20000", *growth)
		}
		wo.Growth = append(wo.Growth, n)
	}
	if wo.URL == "" {
		bin, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding this program to run the collector: %w", err)
		}
		wo.Binary = bin
	}
	return loadgen.RunWave(ctx, wo)
}

func token(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "token", "--branch ID", stderr)
	branch := fs.String("branch", "", "branch `id` the token is for")
	if err := fs.Parse(args); err != nil {
		return command.ParseError(err)
	}
	if *branch == "" {
		fmt.Fprintln(stderr, "missing --branch ID")
		fs.Usage()
		return errUsage
	}
	t := auth.NewToken()
	fmt.Fprintf(stdout, "token (give it to the branch agent, e.g. in its token_file; it is not shown again):\n  %s\n", t)
	fmt.Fprintf(stdout, "collector config (agents:):\n  - {branch: %s, token_sha256: %s}\n", *branch, auth.HashToken(t))
	return nil
}

func hashPassword(stdin io.Reader, stdout io.Writer) error {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return errors.New("password must be at least 8 characters")
	}
	h, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, h)
	return nil
}
