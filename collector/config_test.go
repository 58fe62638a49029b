package collector

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
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

func TestReloadSwapsTokensAndUsersAndRefusesABrokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "collector.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := auth.HashPassword("old password 1")
	write("users: [{name: ops, password_bcrypt: \"" + hash + "\"}]\n")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	tokens, users := cfg.tokens(), cfg.users()
	if !users.Check("ops", "old password 1") {
		t.Fatal("login before reload failed")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	write("users: [{name: ops, password_bcrypt: nonsense}]\n")
	if err := ReloadAuth(path, tokens, users, log); err == nil {
		t.Fatal("a broken file was accepted")
	}
	if !users.Check("ops", "old password 1") {
		t.Fatal("a refused reload changed the logins")
	}

	newHash, _ := auth.HashPassword("new password 2")
	tok := auth.NewToken()
	write("users: [{name: ops, password_bcrypt: \"" + newHash + "\"}]\nagents: [{branch: lon, token_sha256: " + auth.HashToken(tok) + "}]\n")
	if err := ReloadAuth(path, tokens, users, log); err != nil {
		t.Fatal(err)
	}
	if users.Check("ops", "old password 1") || !users.Check("ops", "new password 2") {
		t.Error("after reload the old password still works or the new one does not")
	}
	req := httptest.NewRequest("POST", "/api/v1/results", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if b, err := tokens.Branch(req); err != nil || b != "lon" {
		t.Errorf("the new branch token: %q, %v", b, err)
	}
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
