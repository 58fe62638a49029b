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
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// CPU returns the processor time (user and system) the server has used so
// far: the postmaster's, that of the children it has reaped, and that of
// its live children (backends, walwriter, checkpointer, ...). Linux only
// (it reads /proc); differences between two calls are what a benchmark
// reports as the server's share of the work.
func (s *Server) CPU() (time.Duration, error) {
	pid, err := os.ReadFile(filepath.Join(s.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(pid), "\n")
	return ProcessTreeCPU(strings.TrimSpace(first))
}

// ProcessTreeCPU returns the processor time of process pid, of the
// children it has waited for and of its live children (every process whose
// parent it is), from /proc. With the postmaster's pid it is a PostgreSQL
// server's whole use.
func ProcessTreeCPU(pid string) (time.Duration, error) {
	var ticks int64
	for range 5 { // again while a child is reaped during the reading (it would be missed)
		before, err := readStat(pid)
		if err != nil {
			return 0, err
		}
		ticks = 0
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			if st, err := readStat(filepath.Base(p)); err == nil && st.ppid == pid {
				ticks += st.utime + st.stime
			}
		}
		after, err := readStat(pid)
		if err != nil {
			return 0, err
		}
		ticks += after.utime + after.stime + after.cutime + after.cstime
		if after.cutime+after.cstime == before.cutime+before.cstime {
			break
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// stat holds the fields of /proc/<pid>/stat ProcessTreeCPU uses.
type stat struct {
	ppid                         string
	utime, stime, cutime, cstime int64
}

func readStat(pid string) (stat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return stat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndex(string(b), ") ")
	if i < 0 {
		return stat{}, fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b)[i+2:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return stat{}, fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	st := stat{ppid: f[1]}
	for i, v := range []*int64{&st.utime, &st.stime, &st.cutime, &st.cstime} { // fields 14-17
		if *v, err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return stat{}, fmt.Errorf("/proc/%s/stat: %w", pid, err)
		}
	}
	return st, nil
}
