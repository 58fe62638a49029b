package collector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
