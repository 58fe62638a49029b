package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/branches"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/command"
)

const branchesUsage = `branchready-collector branches manages the branch registry in the store the
configuration names (several collectors share it; they pick changes up within seconds).

Usage: branchready-collector branches COMMAND -c FILE [arguments]

Commands:
  import   register branches from a CSV file (id,name,region,channel); --tokens-out FILE issues tokens
  add      register one branch; print its token, or with --code a one-time enrollment code
  list     every branch with its token state
  rotate   a new token for a branch; the old one keeps working for the overlap (--overlap 168h)
  code     a new one-time enrollment code for a branch (--ttl 15m)
  revoke   the branch's tokens stop working within seconds on every collector; no new token or code

Run 'branchready-collector branches COMMAND -h' for a command's arguments and flags.
Tokens and codes are printed once; the store keeps only their SHA-256.
`

// branchesCommands maps each branches command to its function.
func branchesCommands() map[string]func(context.Context, []string, io.Writer, io.Writer) error {
	return map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"import": branchesImport, "add": branchesAdd, "list": branchesList,
		"rotate": branchesRotate, "code": branchesCode, "revoke": branchesRevoke,
	}
}

func branchesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, branchesUsage)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, branchesUsage)
		return nil
	}
	fn, ok := branchesCommands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown branches command %q\n\n%s", args[0], branchesUsage)
		return errUsage
	}
	return fn(ctx, args[1:], stdout, stderr)
}

// parseWith parses flags placed before or after the positional arguments
// and insists on -c FILE and on want positional arguments.
func parseWith(fs *flag.FlagSet, args []string, cfg *string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, command.ParseError(err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *cfg == "" || len(pos) != want {
		fmt.Fprintf(fs.Output(), "want -c FILE and %d argument(s)\n", want)
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// registry opens the store of the configuration at path as a Service.
func registry(ctx context.Context, path string) (*branches.Service, func(), error) {
	cfg, err := collector.LoadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := collector.OpenStore(ctx, cfg.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	reg, ok := st.(store.Registry)
	if !ok {
		st.Close()
		return nil, nil, errors.New("this store keeps no branch registry")
	}
	return &branches.Service{Store: reg}, func() { st.Close() }, nil
}

func branchesImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches import", "-c FILE branches.csv [--tokens-out FILE]", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	tokensOut := fs.String("tokens-out", "", "issue a token to every imported branch without a live one and write id,token lines to this `file` (mode 0600)")
	pos, err := parseWith(fs, args, cfg, 1)
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	rows, err := branches.ParseCSV(pos[0], f)
	f.Close()
	if err != nil {
		return err // every bad line, with its number
	}
	// The tokens file is created before anything is imported: one that
	// cannot be created (it exists, its folder is missing) would otherwise
	// be found only once the branches are in, with their tokens lost.
	var out *os.File
	if *tokensOut != "" {
		out, err = os.OpenFile(*tokensOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("tokens-out: %w (it is never overwritten; nothing was imported)", err)
		}
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return abandon(out, err)
	}
	defer done()
	start := time.Now()
	c, err := svc.Import(ctx, rows, func(n int, c store.PutCounts) {
		if len(rows) > 1000 {
			fmt.Fprintf(stderr, "\rimported %d of %d branches", n, len(rows))
			if n == len(rows) {
				fmt.Fprintln(stderr)
			}
		}
	})
	if err != nil {
		return abandon(out, err)
	}
	fmt.Fprintf(stdout, "%s: %d branches: %d new, %d updated, %d unchanged (%s)\n", pos[0], len(rows), c.Created, c.Updated, c.Unchanged, time.Since(start).Round(time.Millisecond))
	if out != nil {
		return issueMissing(ctx, svc, rows, out, stdout, stderr)
	}
	return nil
}

// abandon removes the tokens file f (if any) that was created for an
// import that failed before a token was written to it, and returns err.
func abandon(f *os.File, err error) error {
	if f != nil {
		f.Close()
		os.Remove(f.Name())
	}
	return err
}

// issueMissing gives a token to each branch of rows that has no live one,
// writing id,token lines to f, a new file readable by this account only.
func issueMissing(ctx context.Context, svc *branches.Service, rows []branches.Row, f *os.File, stdout, stderr io.Writer) error {
	path := f.Name()
	all, err := svc.List(ctx)
	if err != nil {
		return abandon(f, err)
	}
	live := map[string]bool{}
	for _, s := range all {
		live[s.ID] = s.TokenState() != "no_token"
	}
	var todo []string
	for _, r := range rows {
		if !live[r.ID] {
			todo = append(todo, r.ID)
		}
	}
	// Each token is its own transaction (a commit each); several at once
	// keep a PostgreSQL server busy instead of waiting on every commit in
	// turn: 20,000 branches in seconds rather than minutes.
	toks, issueErr := issueAll(ctx, svc, todo, stderr)
	w := csv.NewWriter(f)
	_ = w.Write([]string{"id", "token"})
	n := 0
	for i, id := range todo {
		if toks[i] != "" {
			_ = w.Write([]string{id, toks[i]})
			n++
		}
	}
	if issueErr != nil {
		w.Flush()
		f.Close()
		return fmt.Errorf("%w (the %d tokens issued are in %s)", issueErr, n, path)
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return fmt.Errorf("tokens-out: %w", err)
	}
	fmt.Fprintf(stdout, "issued %d tokens to branches without one; they are in %s and not shown again\n", n, path)
	return nil
}

func branchesAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches add", "-c FILE --id ID --name NAME [--region R] [--channel C] [--code]", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	var r branches.Row
	fs.StringVar(&r.ID, "id", "", "branch `id` (as in the agent's branch.id)")
	fs.StringVar(&r.Name, "name", "", "branch `name`")
	fs.StringVar(&r.Region, "region", "", "`region`")
	fs.StringVar(&r.Channel, "channel", "", "`channel` (retail, private...)")
	code := fs.Bool("code", false, "print a one-time enrollment code instead of a token")
	ttl := fs.Duration("code-ttl", branches.DefaultCodeTTL, "how long the enrollment code can be used")
	if _, err := parseWith(fs, args, cfg, 0); err != nil {
		return err
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return err
	}
	defer done()
	d := time.Duration(0)
	if *code {
		d = *ttl
	}
	c, err := svc.Add(ctx, r, d)
	if err != nil {
		return err
	}
	printCredentials(stdout, c)
	return nil
}

func printCredentials(w io.Writer, c branches.Credentials) {
	if c.Token != "" {
		fmt.Fprintf(w, "token of branch %s (put it in the agent's token_file; it is not shown again):\n  %s\n", c.Branch, c.Token)
	}
	if c.Code != "" {
		fmt.Fprintf(w, "enrollment code of branch %s, valid once until %s:\n  %s\non the branch PC: branchready-agent enroll --collector URL --code %s -c CONFIG\n",
			c.Branch, c.CodeExpires.Local().Format("2006-01-02 15:04 MST"), c.Code, c.Code)
	}
	if !c.OldTokensEnd.IsZero() {
		fmt.Fprintf(w, "the branch's previous tokens keep working until %s\n", c.OldTokensEnd.Local().Format("2006-01-02 15:04 MST"))
	}
}

func branchesList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches list", "-c FILE", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	if _, err := parseWith(fs, args, cfg, 0); err != nil {
		return err
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return err
	}
	defer done()
	all, err := svc.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tREGION\tCHANNEL\tTOKEN\tLIVE\tLAST ISSUED\tOLD TOKEN ENDS")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Name, s.Region, s.Channel, s.TokenState(), s.LiveTokens, day(s.LastIssued), day(s.OverlapEnds))
	}
	return tw.Flush()
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func branchesRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches rotate", "-c FILE ID [--overlap 168h]", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	overlap := fs.Duration("overlap", branches.DefaultOverlap, "how long the previous tokens keep working (0: they stop now)")
	pos, err := parseWith(fs, args, cfg, 1)
	if err != nil {
		return err
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return err
	}
	defer done()
	c, err := svc.Rotate(ctx, pos[0], *overlap)
	if err != nil {
		return err
	}
	printCredentials(stdout, c)
	return nil
}

func branchesCode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches code", "-c FILE ID [--ttl 15m]", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	ttl := fs.Duration("ttl", branches.DefaultCodeTTL, "how long the code can be used")
	pos, err := parseWith(fs, args, cfg, 1)
	if err != nil {
		return err
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return err
	}
	defer done()
	c, err := svc.NewCode(ctx, pos[0], *ttl)
	if err != nil {
		return err
	}
	printCredentials(stdout, c)
	return nil
}

func branchesRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := command.Flags(program, "branches revoke", "-c FILE ID", stderr)
	cfg := fs.String("c", "", "collector configuration `file`")
	pos, err := parseWith(fs, args, cfg, 1)
	if err != nil {
		return err
	}
	svc, done, err := registry(ctx, *cfg)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.Revoke(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "branch %s revoked: its tokens stop working within seconds on every collector\n", pos[0])
	return nil
}

// issuers is how many tokens are issued at once.
const issuers = 16

// issueAll issues a token to each of ids, several at once, and returns
// them in the order of ids ("" where issuing failed) with the first error.
// Every token issued is returned, even after an error: it is shown once.
func issueAll(ctx context.Context, svc *branches.Service, ids []string, stderr io.Writer) ([]string, error) {
	toks := make([]string, len(ids))
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	var out sync.Mutex // stderr may be a buffer in tests
	for range min(issuers, len(ids)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				c, err := svc.Issue(ctx, ids[i])
				if err != nil {
					once.Do(func() { firstErr = err; next.Store(int64(len(ids))) })
					return
				}
				toks[i] = c.Token
				if n := done.Add(1); n%1000 == 0 {
					out.Lock()
					fmt.Fprintf(stderr, "\rissued %d of %d tokens", n, len(ids))
					out.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(ids) >= 1000 {
		fmt.Fprintln(stderr)
	}
	return toks, firstErr
}
