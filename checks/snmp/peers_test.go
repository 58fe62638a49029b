package snmp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

// freeUDPPort finds a loopback UDP port that is free right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startPeer runs an agent until the test ends and waits for the line it
// logs once it listens.
func startPeer(t *testing.T, ready string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), "MIBS="), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan bool, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			if !seen {
				log.WriteString(sc.Text() + "\n")
			}
			if !seen && strings.Contains(sc.Text(), ready) {
				seen = true
				found <- true
			}
		}
		if !seen {
			found <- false
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("%s exited before it was ready:\n%s", name, log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not log %q within 30s", name, ready)
	}
}

// passScript serves the given "OID TYPE VALUE" lines to snmpd's pass
// directive, answering GET (-g) and GETNEXT (-n).
const passScript = `#!/bin/sh
awk -v mode="$1" -v req="${2#.}" '
function cmp(a, b,   x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n && i <= m; i++) { if (x[i]+0 < y[i]+0) return -1; if (x[i]+0 > y[i]+0) return 1 }
  return (n < m) ? -1 : (n > m) ? 1 : 0
}
{ oid = $1; type = $2; val = $0; sub(/^[^ ]+ [^ ]+ /, "", val)
  if ((mode == "-g" && cmp(oid, req) == 0) || (mode == "-n" && cmp(oid, req) > 0)) { print "." oid; print type; print val; exit } }' "$(dirname "$0")/data"
`

// snmpdUsers are the SNMPv3 users the test snmpd knows.
var snmpdUsers = `createUser monitor SHA "auth-pass-sha" AES "priv-pass-aes"
createUser legacy MD5 "auth-pass-md5" DES "priv-pass-des"
rouser monitor priv
rouser legacy priv
`

// startSnmpd runs Net-SNMP's snmpd with community "branch", the users
// above, and pass scripts serving data (snmprec lines) under the printer,
// UPS and an enterprise subtree. It returns the agent's address.
func startSnmpd(t *testing.T, snmprec string) string {
	t.Helper()
	bin := testpeer.Require(t, "snmpd")
	dir := t.TempDir()
	data, err := passData(snmprec)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "data"), data, 0o644)
	write(t, filepath.Join(dir, "pass.sh"), passScript, 0o755)
	conf := "rocommunity branch 127.0.0.1\n" + snmpdUsers
	for _, tree := range []string{".1.3.6.1.2.1.25.3.5", ".1.3.6.1.2.1.33", ".1.3.6.1.2.1.43", ".1.3.6.1.4.1.99999"} {
		conf += fmt.Sprintf("pass %s /bin/sh %s\n", tree, filepath.Join(dir, "pass.sh"))
	}
	write(t, filepath.Join(dir, "snmpd.conf"), conf, 0o600)
	persist := filepath.Join(dir, "persist")
	addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	startPeer(t, "NET-SNMP version", []string{"SNMP_PERSISTENT_DIR=" + persist}, bin, "-f", "-Lo", "-C", "-c", filepath.Join(dir, "snmpd.conf"), "udp:"+addr)
	return addr
}

// passData turns snmprec lines (OID|TAG|VALUE) into the pass script's data,
// in OID order. sysUpTime stays snmpd's own.
func passData(snmprec string) (string, error) {
	types := map[string]string{"2": "integer", "4": "string", "4x": "octet", "65": "counter", "66": "gauge", "67": "timeticks", "6": "objectid"}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(snmprec), "\n") {
		f := strings.SplitN(l, "|", 3)
		if len(f) != 3 {
			return "", fmt.Errorf("bad snmprec line %q", l)
		}
		if f[0] == oidSysUpTime {
			continue
		}
		typ, ok := types[f[1]]
		if !ok {
			return "", fmt.Errorf("snmprec tag %q has no pass type", f[1])
		}
		val := f[2]
		if f[1] == "4x" {
			val = normalHex(val)
		}
		lines = append(lines, f[0]+" "+typ+" "+val)
	}
	sort.Slice(lines, func(i, j int) bool {
		return lessOID(strings.Fields(lines[i])[0], strings.Fields(lines[j])[0])
	})
	return strings.Join(lines, "\n") + "\n", nil
}

// startSnmpsim runs snmpsim over dataDir (one community per .snmprec file)
// and returns its address. snmpsim refuses to run as root unless told
// which user to become, so the data must be readable by nobody.
func startSnmpsim(t *testing.T, dataDir string) string {
	t.Helper()
	bin := testpeer.Require(t, "snmpsimd")
	cache := t.TempDir()
	for _, d := range []string{filepath.Dir(dataDir), dataDir, filepath.Dir(cache), cache} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
	args := []string{"--data-dir=" + dataDir, "--cache-dir=" + cache, "--agent-udpv4-endpoint=" + addr, "--logging-method=stdout"}
	if os.Geteuid() == 0 {
		args = append(args, "--process-user=nobody", "--process-group=nogroup")
	}
	startPeer(t, "Listening at UDP/IPv4 endpoint", nil, bin, args...)
	return addr
}

func write(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

// run runs chk once with a deadline.
func run(chk *Check, d time.Duration) (string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	o := chk.Run(ctx)
	return string(o.Status), o.Reason
}
