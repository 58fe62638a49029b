// Package pgtest starts a throwaway PostgreSQL server for tests, from
// Debian's postgresql package, listening only on a unix socket.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/testpeer"
)

// Server is a throwaway PostgreSQL cluster listening only on a unix socket
// in its own directory.
type Server struct {
	bin, dir string
	owner    *user.User // nil: run as ourselves
	dbs      atomic.Int64
}

// Start initdb's a cluster in a temporary directory, starts it and
// stops it when tb ends. Needs Debian's postgresql package; as root, the
// server runs as the postgres user (it refuses to run as root).
func Start(tb testing.TB) *Server {
	tb.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		testpeer.Missing(tb, "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (Debian package postgresql)")
	}
	sort.Strings(initdbs)
	s := &Server{bin: filepath.Dir(initdbs[len(initdbs)-1])}
	dir, err := os.MkdirTemp("", "branchready-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	s.dir = dir
	if os.Geteuid() == 0 {
		if s.owner, err = user.Lookup("postgres"); err != nil {
			testpeer.Missing(tb, "no postgres user to run the server as (Debian package postgresql creates it)")
		}
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	s.run(tb, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	opts := fmt.Sprintf("-c listen_addresses='' -k %s -p 5432", dir)
	s.run(tb, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-o", opts, "-w", "start")
	tb.Cleanup(func() { s.run(tb, "pg_ctl", "-D", data, "-m", "fast", "-w", "stop") })
	return s
}

// run runs one of the server's programs, as its owner.
func (s *Server) run(tb testing.TB, program string, args ...string) {
	tb.Helper()
	name := filepath.Join(s.bin, program)
	if s.owner != nil {
		name, args = "runuser", append([]string{"-u", s.owner.Username, "--", name}, args...)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		tb.Fatalf("%s: %v\n%s\nserver log:\n%s", program, err, out, log)
	}
}

// DSN is the connection string of database db.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", s.dir, db)
}

// NewDatabase creates an empty database and returns its connection string.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return s.DSN(name)
}
