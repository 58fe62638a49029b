package collector

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/branchready/branchready/collector/auth"
)

func TestCollectorConfigErrorsNameFileLineAndRule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	src := `listen: 127.0.0.1:8080
store: {driver: mysql}
agents:
  - {branch: lon, token_sha256: abc}
  - {branch: lon, token_sha256: 07a2e54008ba3aa14dde81ed2b81a9b1d2ae503342289b56ce2a149d8acaa6e3}
users:
  - {name: ops, password_bcrypt: hunter2}
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	want := []string{
		path + `:2: store.driver: "mysql": must be sqlite or postgres`,
		path + `:4: agents[0].token_sha256: must be 64 hex digits (the SHA-256 of the token)`,
		path + `:5: agents[1].branch: "lon": listed twice`,
		path + `:7: users[0].password_bcrypt: must be a bcrypt hash`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("the error repeats the password")
	}
}

func TestPlainHTTPBeyondLoopbackIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	src := "listen: 0.0.0.0:8443\nusers: [{name: ops, password_bcrypt: \"$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z4fP9/3YoXJqQ3mW5uW3xN6e\"}]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	want := path + `:1: listen: "0.0.0.0:8443": agents' tokens would cross the network in clear; set tls (cert_file, key_file), or insecure_listen: true behind a TLS proxy`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestTrustedProxiesThatAreNotAddressesAreRefusedWithTheirLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	src := "users: [{name: ops, password_bcrypt: \"$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z4fP9/3YoXJqQ3mW5uW3xN6e\"}]\ntrusted_proxies:\n  - 10.0.0.0/8\n  - haproxy.internal\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	want := path + `:4: trusted_proxies[1]: "haproxy.internal": must be an IP address or a network in CIDR notation (10.0.0.0/8)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestSLAObjectivesAreValidatedStrictly(t *testing.T) {
	const users = "users: [{name: ops, password_bcrypt: \"$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z4fP9/3YoXJqQ3mW5uW3xN6e\"}]\n"
	for _, c := range []struct {
		name, sla, want string
	}{
		{"an adequate level above desired is refused", "sla:\n  objectives:\n    on_time_readiness: {desired: 0.9, adequate: 0.95}\n",
			`:4: sla.objectives.on_time_readiness.adequate: 0.95: must not be above desired (0.9)`},
		{"an adequate level of 100% is refused: it leaves no budget", "sla:\n  objectives:\n    availability: {desired: 1, adequate: 1}\n",
			`:4: sla.objectives.availability.adequate: 1: must be a ratio above 0 and below 1 (0.95 is 95%)`},
		{"a percentage instead of a ratio is refused", "sla:\n  objectives:\n    availability: {desired: 99.5, adequate: 98}\n",
			`:4: sla.objectives.availability.desired: 99.5: must be a ratio above 0 and at most 1 (0.98 is 98%)`},
		{"an unknown objective is refused", "sla:\n  objectives:\n    uptime: {desired: 0.9, adequate: 0.8}\n",
			`:4: sla.objectives.uptime: unknown key`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "collector.yaml")
			if err := os.WriteFile(path, []byte(users+c.sla), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant one containing %s", err, c.want)
			}
		})
	}
	t.Run("without an sla section the defaults apply", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "collector.yaml")
		if err := os.WriteFile(path, []byte(users), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		if s := cfg.SLA.Settings(); s.OnTime != DefaultOnTimeObjective || s.Availability != DefaultAvailabilityObjective || s.CountDegraded {
			t.Fatalf("settings %+v, want the defaults", s)
		}
	})
}

func TestMetricsSettingsAreChecked(t *testing.T) {
	const hash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z4fP9/3YoXJqQ3mW5uW3xN6e"
	path := filepath.Join(t.TempDir(), "collector.yaml")
	src := "listen: 127.0.0.1:8080\nusers: [{name: ops, password_bcrypt: \"" + hash + "\"}]\n" +
		"max_decode_bytes: -1\nmetrics: {listen: \"127.0.0.1:8080\", username: prometheus}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	want := []string{
		path + `:3: max_decode_bytes: -1: must not be negative`,
		path + `:4: metrics: set both username and password_bcrypt, or neither`,
		path + `:4: metrics.listen: "127.0.0.1:8080": must differ from listen`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestUsersRolesAndScopesAreValidatedStrictly(t *testing.T) {
	const hash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z4fP9/3YoXJqQ3mW5uW3xN6e"
	path := filepath.Join(t.TempDir(), "collector.yaml")
	src := `agents:
  - {branch: lon-1, token_sha256: 07a2e54008ba3aa14dde81ed2b81a9b1d2ae503342289b56ce2a149d8acaa6e3}
users:
  - {name: ops, password_bcrypt: "` + hash + `"}
  - {name: boss, password_bcrypt: "` + hash + `", role: owner}
  - {name: sam, password_bcrypt: "` + hash + `", role: branch_staff}
  - {name: kim, password_bcrypt: "` + hash + `", role: branch_staff, branches: [lon-1, lon-9, lon-1], regions: [south]}
  - {name: ria, password_bcrypt: "` + hash + `", role: region_manager, regions: [south, ""]}
  - {name: ada, password_bcrypt: "` + hash + `", role: admin, branches: [lon-1]}
  - {name: ops, password_bcrypt: "` + hash + `", role: operations, regions: [north]}
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	want := []string{
		path + `:5: users[1].role: "owner": must be one of branch_staff, region_manager, operations, admin`,
		path + `:6: users[2].branches: role branch_staff needs branches: the ones this user is responsible for`,
		path + `:7: users[3].branches[1]: "lon-9": not a branch listed in agents`,
		path + `:7: users[3].branches[2]: "lon-1": listed twice`,
		path + `:7: users[3].regions: role branch_staff is not scoped by regions: remove them`,
		path + `:8: users[4].regions[1]: must not be empty`,
		path + `:9: users[5].branches: role admin sees every branch: remove branches, or make the user branch_staff`,
		path + `:10: users[6].name: "ops": listed twice`,
		path + `:10: users[6].regions: role operations sees every branch: remove regions, or make the user region_manager`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestAUserWithoutARoleSeesTheWholeBankAsBeforeRoles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	hash, _ := auth.HashPassword("pw")
	src := "users: [{name: ops, password_bcrypt: \"" + hash + "\"}, {name: ria, password_bcrypt: \"" + hash + "\", role: region_manager, regions: [south]}]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []auth.Person
	h := cfg.users().Require(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		p, _ := auth.PersonFrom(r.Context())
		got = append(got, p)
	}))
	for _, name := range []string{"ops", "ria"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(name, "pw")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if len(got) != 2 || got[0].Role != auth.Operations || !got[0].Everywhere() || got[1].Role != auth.RegionManager || !slices.Equal(got[1].Regions, []string{"south"}) {
		t.Errorf("people logged in: %+v; want ops as operations and ria as the manager of south", got)
	}
}
