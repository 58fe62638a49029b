//go:build unix

package sip

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

// kamailioPassword is extension 900's password in testdata/kamailio.cfg.
const kamailioPassword = "s3cret-900"

// startKamailio runs kamailio with testdata/kamailio.cfg on a free loopback
// port over UDP and TCP, and returns its address.
func startKamailio(t *testing.T) string {
	t.Helper()
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	runKamailio(t, "testdata/kamailio.cfg", "-l", "udp:"+listen, "-l", "tcp:"+listen)
	return listen
}

// runKamailio starts kamailio with cfg and extra arguments (the listen
// addresses) and waits until it serves requests.
func runKamailio(t *testing.T, cfg string, args ...string) {
	t.Helper()
	bin := testpeer.Require(t, "kamailio")
	args = append([]string{"-DD", "-E", "-f", cfg, "-m", "32", "-M", "4", "-Y", t.TempDir()}, args...)
	cmd := exec.Command(bin, args...)
	// kamailio forks its workers: a process group lets the cleanup end
	// them all, where killing the main process alone orphans them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kamailio: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			// Children log this once initialised; the sockets are bound
			// before they fork.
			if strings.Contains(sc.Text(), "stateless mode available during runtime") {
				ready <- ""
				_, _ = io.Copy(io.Discard, out)
				return
			}
		}
		ready <- log.String()
	}()
	select {
	case log := <-ready:
		if log != "" {
			t.Fatalf("kamailio exited before it was ready:\n%s", log)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kamailio did not start within 30s")
	}
}

// freePort finds a loopback port free for both UDP and TCP right now.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = ln.Close()
		if err == nil {
			_ = pc.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

func TestAgainstKamailio(t *testing.T) {
	addr := startKamailio(t)
	reg := func() *Register { return &Register{Extension: "900"} }
	cases := []struct {
		name      string
		transport string
		register  *Register
		password  string
		want      string
	}{
		{"OPTIONS over UDP is answered 200", "udp", nil, "", "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"OPTIONS over TCP is answered 200", "tcp", nil, "", "ok: the phone system at PBX answers SIP OPTIONS (200 OK, T)"},
		{"REGISTER is challenged with 401, then accepted", "udp", reg(), kamailioPassword,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"REGISTER over TCP is challenged, then accepted", "tcp", reg(), kamailioPassword,
			"ok: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 registered and unregistered"},
		{"a wrong password is rejected", "udp", reg(), "not-the-password",
			"fail: the phone system at PBX answers SIP OPTIONS (200 OK, T); monitoring extension 900 rejected: wrong password? (403 Forbidden)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := New(Config{Server: addr, Transport: tc.transport, Domain: "branch.example", Register: tc.register}, nil, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out := chk.Run(ctx)
			if got := verdict(string(out.Status), out.Reason, addr); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
