package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// spec is one Debian package: the binary it is named after, what goes in
// it and what its maintainer scripts look after. Paths are relative to the
// repository root.
type spec struct {
	Name        string // the package and its binary
	Summary     string
	Description string      // lines of at most 80 characters
	Unit        string      // deploy/systemd/<Unit>
	Conffile    conffile    // the example configuration, installed as a conffile
	Share       []string    // configs/<path>, installed under /usr/share/branchready/<path>
	Docs        []string    // installed under /usr/share/doc/<Name>/
	User        string      // a system user and group made in preinst; "" for none
	Dirs        []directory // directories of their own (mode, owner)
	StateDir    string      // /var/lib/<StateDir>, the unit's StateDirectory, deleted on purge
	PreDepends  []string
	Suggests    []string
}

// conffile is an example configuration installed in /etc/branchready,
// with the paths that are relative in configs/ made absolute.
type conffile struct {
	Source, Dest string
	Mode         os.FileMode
	Group        string
	Rewrites     []rewrite
}

// rewrite replaces Old with New; a file without Old is an error, so that a
// changed example cannot silently ship with a path that no longer resolves.
type rewrite struct{ Old, New string }

type directory struct {
	Path string
	Mode os.FileMode
}

const shareDir = "/usr/share/branchready"

// specs are the two packages. The agent runs as systemd's dynamic user in
// the dialout group (serial ports), which every Debian has: it needs no
// user of its own. The collector gets a static system user of the unit's
// name, which its DynamicUser=yes then uses (systemd takes an existing
// static user of that name), so that the configuration holding its
// users' password hashes can be root:branchready-collector 0640.
func specs() []spec {
	return []spec{
		{
			Name:    "branchready-agent",
			Summary: "bank branch readiness agent",
			Description: "Checks a bank branch's devices (ATMs, PCs, printers, phone lines,\n" +
				"signage, serial and USB devices) before opening and through the day, and\n" +
				"ships the results to the branchready collector through a durable spool.",
			Unit: "branchready-agent.service",
			Conffile: conffile{
				Source: "configs/examples/london-bank-street.yaml", Dest: "/etc/branchready/branch.yaml", Mode: 0o644,
				Rewrites: []rewrite{
					{"$schema=../branch.schema.json", "$schema=" + shareDir + "/branch.schema.json"},
					{"[../holidays/", "[" + shareDir + "/holidays/"},
					// The unit hands the root-only token to the dynamic user as a credential.
					{"token_file: /etc/branchready/token", "token_file: /run/credentials/branchready-agent.service/token"},
				},
			},
			Share: []string{
				"branch.schema.json", "holidays.schema.json", "holidays/england-2026.yaml",
				"examples/london-bank-street.yaml", "examples/full-branch.yaml",
			},
			Docs:     []string{"README.md", "docs/operations.md", "docs/security.md", "docs/calendar.md"},
			StateDir: "branchready-agent",
		},
		{
			Name:    "branchready-collector",
			Summary: "bank branch readiness collector",
			Description: "Receives the branchready agents' results, judges every branch's\n" +
				"readiness before opening, serves the board and the API, and sends alerts.\n" +
				"Stores in SQLite, or in PostgreSQL for several collectors.",
			Unit: "branchready-collector.service",
			Conffile: conffile{
				Source: "configs/collector/collector.yaml", Dest: "/etc/branchready/collector.yaml",
				Mode: 0o640, Group: "branchready-collector",
				Rewrites: []rewrite{{"$schema=../collector.schema.json", "$schema=" + shareDir + "/collector.schema.json"}},
			},
			Share:      []string{"collector.schema.json", "collector/collector.yaml"},
			Docs:       []string{"README.md", "docs/operations.md", "docs/security.md", "docs/alerts.md", "docs/sla.md"},
			User:       "branchready-collector",
			Dirs:       []directory{{"/etc/branchready/credentials", 0o700}},
			StateDir:   "branchready-collector",
			PreDepends: []string{"passwd"}, // groupadd, useradd in preinst
			// psql and pg_dump for a PostgreSQL store's backups; SQLite needs nothing.
			Suggests: []string{"postgresql-client"},
		},
	}
}

// packagedUnit reads the unit of deploy/systemd/ and points its ExecStart
// at the packaged binary; the rest stays as the tested unit has it.
func packagedUnit(root string, s spec) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "deploy/systemd", s.Unit))
	if err != nil {
		return "", fmt.Errorf("read unit: %w", err)
	}
	return applyRewrites(string(b), []rewrite{{"\nExecStart=/usr/local/bin/" + s.Name + " ", "\nExecStart=/usr/bin/" + s.Name + " "}})
}

func applyRewrites(text string, rs []rewrite) (string, error) {
	for _, r := range rs {
		if !strings.Contains(text, r.Old) {
			return "", fmt.Errorf("%q not found", r.Old)
		}
		text = strings.ReplaceAll(text, r.Old, r.New)
	}
	return text, nil
}

var loadCredential = regexp.MustCompile(`(?m)^LoadCredential=[^:\n]+:(/\S+)$`)

// credentials lists the files the unit loads with LoadCredential=: the
// secrets the operator puts in place, and the purge deletes.
func credentials(unit string) []string {
	var paths []string
	for _, m := range loadCredential.FindAllStringSubmatch(unit, -1) {
		paths = append(paths, m[1])
	}
	return paths
}
