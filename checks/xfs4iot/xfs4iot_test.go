package xfs4iot

import (
	"context"

	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/golden"
)

// TestDevices runs each testdata/<case>/ against a fake XFS4IoT endpoint:
// config.yaml is the check (host and port are the fake's), device.json what
// each service answers, transcript.txt the commands the device received
// and result.txt the verdict.
func TestDevices(t *testing.T) {
	golden.Cases(t, "config.yaml", func(t *testing.T, dir string) {
		f := startFake(t, filepath.Join(dir, "device.json"))
		c := golden.Decode[Config](t, filepath.Join(dir, "config.yaml"))
		c.Host, c.Port = hostPort(t, f.srv.Listener.Addr().String())
		chk, err := New(c, checks.Target{Device: "atm-02"}, nil)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// Generous for a loaded machine: only a silent service runs into
		// it, and its reason does not quote the time.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out := chk.Run(ctx)
		golden.Compare(t, filepath.Join(dir, "result.txt"), string(out.Status)+": "+out.Reason+"\n")
		golden.Compare(t, filepath.Join(dir, "transcript.txt"), f.transcript())
	})
}

func TestDiscoveryTriesTheCandidatePortsInTurn(t *testing.T) {
	f := startFake(t, "testdata/all-ok/device.json")
	host, port := hostPort(t, f.srv.Listener.Addr().String())
	chk, err := New(Config{Host: host, Label: "ATM 2"}, checks.Target{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	chk.ports = []int{closedPort(t), port}
	out := chk.Run(context.Background())
	if out.Status != "ok" {
		t.Fatalf("got %s %q, want ok through the second port", out.Status, out.Reason)
	}
	if got := int(chk.found.Load()); got != port {
		t.Errorf("remembered port %d, want %d", got, port)
	}
}

func TestNoPublisherFails(t *testing.T) {
	chk, err := New(Config{Host: "127.0.0.1", Label: "ATM 2"}, checks.Target{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closed := closedPort(t)
	chk.ports = []int{closed}
	out := chk.Run(context.Background())
	want := "ATM 2: no XFS4IoT service publisher at 127.0.0.1 (port " + strconv.Itoa(closed) + "): connection refused"
	if out.Status != "fail" || !strings.HasPrefix(out.Reason, want) {
		t.Errorf("got %s %q\nwant fail %q", out.Status, out.Reason, want)
	}
}

func TestCandidatePortsFollowTheStandard(t *testing.T) {
	got := candidatePorts(0)
	if len(got) != 12 || got[0] != 5846 || got[10] != 5856 || got[11] != 443 {
		t.Errorf("candidate ports %v, want 5846-5856 then 443", got)
	}
	if p := candidatePorts(8080); len(p) != 1 || p[0] != 8080 {
		t.Errorf("a configured port gives %v, want only it", p)
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		ca   []byte
		want string
	}{
		{"a missing host", Config{}, nil, "host: must be set to the ATM's host name or IP address"},
		{"a URL as host", Config{Host: "ws://atm2:5846"}, nil, `host: "ws://atm2:5846": must be a host name or IP address, without scheme or port`},
		{"a port out of range", Config{Host: "atm2", Port: 70000}, nil, "port: 70000: must be 1-65535, or 0 for the standard ports"},
		{"an empty service name", Config{Host: "atm2", Services: []string{""}}, nil, `services[0]: "": must be a service name such as CashDispenser`},
		{"a CA file without certificates", Config{Host: "atm2", CAFile: "ca.pem"}, []byte("junk"), `ca_file: "ca.pem": holds no PEM certificate`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c, checks.Target{}, tc.ca)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, p := hostPort(t, ln.Addr().String())
	_ = ln.Close()
	return p
}

func TestServiceNamesReadAsWords(t *testing.T) {
	for in, want := range map[string]string{
		"CashDispenser":   "cash dispenser",
		"cashdispenser":   "cash dispenser",
		"cash-dispenser2": "cash dispenser 2",
		"pinpad":          "PIN pad",
		"ReceiptPrinter":  "receipt printer",
		"VendorWidget":    "vendor widget",
	} {
		t.Run(in+" reads as "+want, func(t *testing.T) {
			if got := humanName(in); got != want {
				t.Errorf("humanName(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
