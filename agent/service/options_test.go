package service

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	kservice "github.com/kardianos/service"
)

func TestServiceConfig(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		cfg     Config
		options map[string]any
		absent  []string
	}{
		{
			name:    "on Linux the hardened unit template replaces kardianos' own",
			goos:    "linux",
			cfg:     Config{BinaryPath: "/usr/local/bin/branchready-agent", ConfigPath: "/etc/branchready/branch.yaml"},
			options: map[string]any{"SystemdScript": systemdTemplate},
			absent:  []string{"DelayedAutoStart", "OnFailure"},
		},
		{
			name: "on Windows the service starts delayed at boot and restarts after every failure",
			goos: "windows",
			cfg:  Config{BinaryPath: `C:\Program Files\branchready\branchready-agent.exe`, ConfigPath: `C:\ProgramData\branchready\branch.yaml`},
			options: map[string]any{
				"StartType": "automatic", "DelayedAutoStart": true, "OnFailure": "restart",
				"OnFailureDelayDuration": "5s", "OnFailureResetPeriod": 86400,
			},
			absent: []string{"SystemdScript"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc, err := serviceConfig(tt.cfg, tt.goos)
			if err != nil {
				t.Fatal(err)
			}
			if kc.Name != "branchready-agent" || kc.DisplayName != "branchready agent" || kc.Description == "" {
				t.Errorf("names: %q %q %q", kc.Name, kc.DisplayName, kc.Description)
			}
			if kc.Executable != tt.cfg.BinaryPath {
				t.Errorf("executable %q, want %q", kc.Executable, tt.cfg.BinaryPath)
			}
			if want := []string{"run", "-c", tt.cfg.ConfigPath}; !slices.Equal(kc.Arguments, want) {
				t.Errorf("arguments %q, want %q", kc.Arguments, want)
			}
			for k, v := range tt.options {
				if kc.Option[k] != v {
					t.Errorf("option %s = %#v, want %#v", k, kc.Option[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := kc.Option[k]; ok {
					t.Errorf("option %s is set", k)
				}
			}
		})
	}
}

func TestServiceConfigRejectsWhatTheUnitCannotHold(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"a percent sign in the config path would be a systemd specifier", Config{BinaryPath: "/a", ConfigPath: "/etc/100%.yaml"}, `configuration path "/etc/100%.yaml": character '%'`},
		{"a dollar in the binary path would be expanded as a variable", Config{BinaryPath: "/opt/$HOME/agent", ConfigPath: "/b"}, `binary path "/opt/$HOME/agent": character '$'`},
		{"a quote in the config path would unbalance the command line", Config{BinaryPath: "/a", ConfigPath: `/etc/"x".yaml`}, `configuration path "/etc/\"x\".yaml": character '"'`},
		{"a user name with a space is refused", Config{BinaryPath: "/a", ConfigPath: "/b", User: "bank user"}, `user "bank user": not a valid user name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serviceConfig(tt.cfg, "linux")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %s", err, tt.want)
			}
		})
	}
}

func TestWindowsPathsNeedNothingSpecial(t *testing.T) {
	cfg := Config{BinaryPath: `C:\Program Files\branchready\branchready-agent.exe`, ConfigPath: `C:\ProgramData\branch ready\100% branch.yaml`}
	if _, err := serviceConfig(cfg, "windows"); err != nil {
		t.Fatalf("windows paths refused: %v", err)
	}
}

func TestResolveMakesPathsAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	got, err := resolve(Config{ConfigPath: "branch.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	for what, p := range map[string]string{"config": got.ConfigPath, "binary": got.BinaryPath} {
		if !filepath.IsAbs(p) {
			t.Errorf("%s path %q is not absolute", what, p)
		}
	}
	if filepath.Base(got.ConfigPath) != "branch.yaml" || got.Log == nil {
		t.Errorf("resolved %+v", got)
	}
	if _, err := resolve(Config{}); err == nil {
		t.Error("a missing configuration path was accepted")
	}
}

func TestInstallRefusesAMissingConfiguration(t *testing.T) {
	err := Install(Config{ConfigPath: t.TempDir() + "/nowhere.yaml"})
	if err == nil || !strings.Contains(err.Error(), "install: configuration:") {
		t.Fatalf("error %v, want a missing configuration", err)
	}
}

func TestStatusInWords(t *testing.T) {
	tests := []struct {
		name    string
		st      kservice.Status
		err     error
		want    string
		wantErr bool
	}{
		{"a running service reads running", kservice.StatusRunning, nil, "running", false},
		{"a stopped service reads stopped", kservice.StatusStopped, nil, "stopped", false},
		{"a missing service reads not installed, which is no error", kservice.StatusUnknown, kservice.ErrNotInstalled, "not installed", false},
		{"a unit systemd marked failed reads failed", kservice.StatusUnknown, errors.New("service in failed state"), "failed", false},
		{"an unreachable service manager is an error", kservice.StatusUnknown, errors.New("dbus down"), "unknown", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := describe(tt.st, tt.err)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("describe = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
