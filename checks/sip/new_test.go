package sip

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a missing server", Config{}, "server: must be set to the PBX's host or host:port"},
		{"port zero", Config{Server: "10.0.0.5:0"}, `server: "10.0.0.5:0": port must be 1-65535`},
		{"an unknown transport", Config{Server: "pbx", Transport: "sctp"}, `transport: "sctp": must be udp, tcp or tls`},
		{"a degraded code out of range", Config{Server: "pbx", DegradedCodes: []int{99}}, "degraded_codes[0]: 99: must be a SIP status code, 100-699"},
		{"a success listed as degraded", Config{Server: "pbx", DegradedCodes: []int{200}}, "degraded_codes[0]: 200: a 1xx or 2xx answer cannot be degraded"},
		{"a CA file without TLS", Config{Server: "pbx", CAFile: "ca.pem"}, "transport: ca_file and tls_server_name need transport: tls"},
		{"a register block without an extension", Config{Server: "pbx", Register: &Register{}}, `register.extension: "": must be the extension's user part, e.g. 900`},
		{"both password sources", Config{Server: "pbx", Register: &Register{Extension: "900", PasswordEnv: "A", PasswordFile: "b"}}, "register.password_file: set either password_env or password_file, not both"},
		{"a sub-second expiry", Config{Server: "pbx", Register: &Register{Extension: "900", Expires: time.Millisecond}}, "register.expires: 1ms: must be at least 1s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c, nil, "")
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDefaultPorts(t *testing.T) {
	for _, tc := range []struct{ server, transport, want string }{
		{"10.0.0.5", "", "5060"}, {"pbx.branch.example", "tls", "5061"}, {"[fd00::5]:5080", "tcp", "5080"},
	} {
		chk, err := New(Config{Server: tc.server, Transport: tc.transport}, nil, "")
		if err != nil || chk.port != tc.want {
			t.Errorf("%s over %q: port %v (err %v), want %s", tc.server, tc.transport, chk, err, tc.want)
		}
	}
}

func TestReadPassword(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BRANCHREADY_TEST_SIP_PW", "from-env")
	cases := []struct {
		name, want, err string
		r               *Register
	}{
		{"a file relative to the config's folder", "s3cret", "", &Register{PasswordFile: "pw"}},
		{"an environment variable", "from-env", "", &Register{PasswordEnv: "BRANCHREADY_TEST_SIP_PW"}},
		{"an unset variable", "", "register.password_env: environment variable BRANCHREADY_TEST_NOPE is not set", &Register{PasswordEnv: "BRANCHREADY_TEST_NOPE"}},
		{"a missing file", "", "register.password_file: cannot read " + filepath.Join(dir, "nope") + ": no such file or directory", &Register{PasswordFile: "nope"}},
		{"no password at all", "", "", &Register{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPassword(Config{Register: tc.r}, dir)
			if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
				t.Errorf("got %q, %v; want %q, %q", got, err, tc.want, tc.err)
			}
		})
	}
}
