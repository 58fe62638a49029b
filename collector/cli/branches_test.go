package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// registryConfig writes a collector configuration on a fresh SQLite file.
func registryConfig(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	h, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	cfg = filepath.Join(dir, "collector.yaml")
	body := "store: {path: c.db}\nusers: [{name: ops, password_bcrypt: '" + string(h) + "'}]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBranchesCommands(t *testing.T) {
	cfg, dir := registryConfig(t)
	csvPath := filepath.Join(dir, "branches.csv")
	write := func(s string) {
		if err := os.WriteFile(csvPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		setup    func()
		args     []string
		code     int
		out, err string
	}{
		{name: "an import with bad lines names each one and registers nothing",
			setup: func() { write("id,name,region,channel\nbr-001,Main,north,retail\nBR 2,x,y,z\nbr-003,,north,retail\n") },
			args:  []string{"branches", "import", "-c", cfg, csvPath}, code: 1, err: "branches.csv:3: id \"BR 2\""},
		{name: "a good file is imported",
			setup: func() { write("id,name,region,channel\nbr-001,Main,north,retail\nbr-002,Harbour,south,private\n") },
			args:  []string{"branches", "import", csvPath, "-c", cfg}, out: "2 branches: 2 new, 0 updated, 0 unchanged"},
		{name: "importing it again changes nothing", args: []string{"branches", "import", "-c", cfg, csvPath}, out: "0 new, 0 updated, 2 unchanged"},
		{name: "tokens-out gives each branch without a token one, once",
			args: []string{"branches", "import", "-c", cfg, csvPath, "--tokens-out", filepath.Join(dir, "tokens.csv")}, out: "issued 2 tokens"},
		{name: "add with --code prints a one-time code, not a token",
			args: []string{"branches", "add", "-c", cfg, "--id", "br-003", "--name", "Station", "--code"}, out: "enrollment code of branch br-003"},
		{name: "adding a registered branch is refused", args: []string{"branches", "add", "-c", cfg, "--id", "br-001", "--name", "Main"}, code: 1, err: "already registered"},
		{name: "rotate prints a new token and when the old one ends", args: []string{"branches", "rotate", "-c", cfg, "br-001"}, out: "previous tokens keep working until"},
		{name: "revoke revokes", args: []string{"branches", "revoke", "-c", cfg, "br-002"}, out: "branch br-002 revoked"},
		{name: "list shows each branch's token state",
			args: []string{"branches", "list", "-c", cfg}, out: "rotating"},
		{name: "a code for a revoked branch is refused", args: []string{"branches", "code", "-c", cfg, "br-002"}, code: 1, err: "revoked"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.setup != nil {
				s.setup()
			}
			code, out, errs := runCLI(s.args...)
			if code != s.code || !strings.Contains(out, s.out) || !strings.Contains(errs, s.err) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout to contain %q, stderr %q", code, s.code, out, errs, s.out, s.err)
			}
		})
	}
	t.Run("the tokens file is readable by this account only and holds one token a branch", func(t *testing.T) {
		p := filepath.Join(dir, "tokens.csv")
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("tokens.csv: %v, mode %v", err, fi.Mode().Perm())
		}
		data, _ := os.ReadFile(p)
		if n := len(regexp.MustCompile(`(?m)^br-00[12],[A-Za-z0-9_-]{43}$`).FindAll(data, -1)); n != 2 {
			t.Fatalf("tokens.csv has %d token lines, want 2:\n%s", n, data)
		}
	})
	t.Run("list shows the revoked branch and the one awaiting enrollment", func(t *testing.T) {
		_, out, _ := runCLI("branches", "list", "-c", cfg)
		for _, want := range []string{"br-002  Harbour", "revoked", "br-003", "no_token"} {
			if !strings.Contains(out, want) {
				t.Errorf("list lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestImportChecksTheTokensFileBeforeImportingAnything(t *testing.T) {
	cfg, dir := registryConfig(t)
	csvPath := filepath.Join(dir, "branches.csv")
	if err := os.WriteFile(csvPath, []byte("id,name,region,channel\nbr-001,Main,north,retail\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(existing, []byte("id,token\nbr-000,an earlier import's token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	registered := func() bool {
		_, out, _ := runCLI("branches", "list", "-c", cfg)
		return strings.Contains(out, "br-001")
	}
	t.Run("an existing tokens file is refused and no branch is imported", func(t *testing.T) {
		code, out, errs := runCLI("branches", "import", "-c", cfg, csvPath, "--tokens-out", existing)
		if code != 1 || !strings.Contains(errs, "file exists") || !strings.Contains(errs, "nothing was imported") {
			t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
		}
		if registered() {
			t.Fatal("br-001 was imported although its token had nowhere to go")
		}
		if data, _ := os.ReadFile(existing); !strings.Contains(string(data), "an earlier import's token") {
			t.Fatalf("the existing tokens file was overwritten:\n%s", data)
		}
	})
	t.Run("a tokens file in a missing folder is refused and no branch is imported", func(t *testing.T) {
		code, _, errs := runCLI("branches", "import", "-c", cfg, csvPath, "--tokens-out", filepath.Join(dir, "nope", "tokens.csv"))
		if code != 1 || !strings.Contains(errs, "nothing was imported") || registered() {
			t.Fatalf("exit %d, want 1, br-001 not registered (it is: %v)\nstderr: %s", code, registered(), errs)
		}
	})
	t.Run("an import that fails leaves no empty tokens file behind", func(t *testing.T) {
		fresh := filepath.Join(dir, "fresh.csv")
		code, _, errs := runCLI("branches", "import", "-c", filepath.Join(dir, "missing.yaml"), csvPath, "--tokens-out", fresh)
		if _, err := os.Stat(fresh); code != 1 || !os.IsNotExist(err) {
			t.Fatalf("exit %d, want 1; %s: %v, want it absent\nstderr: %s", code, fresh, err, errs)
		}
	})
}

func TestBranchesHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		t.Run("branches "+arg+" prints the usage on stdout and exits 0", func(t *testing.T) {
			code, out, errs := runCLI("branches", arg)
			if code != 0 || errs != "" || !strings.Contains(out, "Commands:") {
				t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errs)
			}
		})
	}
	t.Run("the usage has one line for each branches command", func(t *testing.T) {
		for name := range branchesCommands() {
			if n := len(regexp.MustCompile(`(?m)^  `+name+` +\S`).FindAllString(branchesUsage, -1)); n != 1 {
				t.Errorf("%d usage lines for %q, want 1:\n%s", n, name, branchesUsage)
			}
		}
	})
	t.Run("an unknown branches command is named, with the usage, and exits 2", func(t *testing.T) {
		code, out, errs := runCLI("branches", "frobnicate")
		if code != 2 || out != "" || !strings.Contains(errs, `unknown branches command "frobnicate"`) || !strings.Contains(errs, "Commands:") {
			t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errs)
		}
	})
	t.Run("branches with no command prints the usage on stderr and exits 2", func(t *testing.T) {
		if code, _, errs := runCLI("branches"); code != 2 || !strings.Contains(errs, "Commands:") {
			t.Fatalf("exit %d, want 2\nstderr: %s", code, errs)
		}
	})
}
