package service

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"

	kservice "github.com/kardianos/service"

	"github.com/branchready/branchready/testpeer"
)

var update = flag.Bool("update", false, "rewrite deploy/systemd/branchready-agent.service from the unit template")

const shippedUnit = "../../deploy/systemd/branchready-agent.service"

// renderUnit renders systemdTemplate the way kardianos' Install does, for
// the keys our template uses. kardianos' engine is unexported, so text/template
// plays it: each key becomes a function, which reads the same in both syntaxes
// (TestTemplateUsesOnlyWhatKardianosRenders keeps the template to that subset).
func renderUnit(t *testing.T, kc *kservice.Config) string {
	t.Helper()
	funcs := template.FuncMap{
		"Path":      func() string { return kc.Executable },
		"Arguments": func() []string { return kc.Arguments },
		"UserName":  func() string { return kc.UserName },
		"cmdEscape": func(s string) string { return strings.ReplaceAll(s, " ", `\x20`) },
	}
	tp, err := template.New("unit").Funcs(funcs).Parse(kc.Option["SystemdScript"].(string))
	if err != nil {
		t.Fatalf("parse the unit template: %v", err)
	}
	var b strings.Builder
	if err := tp.Execute(&b, nil); err != nil {
		t.Fatalf("render the unit template: %v", err)
	}
	return b.String()
}

func linuxConfig(t *testing.T, cfg Config) *kservice.Config {
	t.Helper()
	kc, err := serviceConfig(cfg, "linux")
	if err != nil {
		t.Fatalf("serviceConfig: %v", err)
	}
	return kc
}

func TestShippedUnitIsRenderedFromTheTemplate(t *testing.T) {
	got := renderUnit(t, linuxConfig(t, Config{BinaryPath: "/usr/local/bin/branchready-agent", ConfigPath: "/etc/branchready/branch.yaml"}))
	if *update {
		if err := os.WriteFile(shippedUnit, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(shippedUnit)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what `install` writes; run `go test ./agent/service -run TestShippedUnit -update`\n--- rendered:\n%s", shippedUnit, got)
	}
}

func TestUnitRendering(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
		not  []string
	}{
		{
			name: "the unit starts the agent's run command with the configuration",
			cfg:  Config{BinaryPath: "/opt/br/branchready-agent", ConfigPath: "/etc/branchready/branch.yaml"},
			want: []string{"\nExecStart=/opt/br/branchready-agent run -c /etc/branchready/branch.yaml\n"},
		},
		{
			name: "spaces in paths are escaped so the command line is not split",
			cfg:  Config{BinaryPath: "/opt/branch ready/agent", ConfigPath: "/etc/branch ready/b.yaml"},
			want: []string{`ExecStart=/opt/branch\x20ready/agent run -c /etc/branch\x20ready/b.yaml`},
		},
		{
			name: "without a user the agent runs as systemd's dynamic user",
			cfg:  Config{BinaryPath: "/a", ConfigPath: "/b"},
			want: []string{"\nDynamicUser=yes\nSupplementaryGroups=dialout\n"},
			not:  []string{"\nUser="},
		},
		{
			name: "a named user is passed to systemd",
			cfg:  Config{BinaryPath: "/a", ConfigPath: "/b", User: "branchready"},
			want: []string{"\nDynamicUser=yes\nUser=branchready\nSupplementaryGroups=dialout\n"},
		},
		{
			name: "the hardening and the state directory survive rendering",
			cfg:  Config{BinaryPath: "/a", ConfigPath: "/b"},
			want: []string{
				"\nRestart=on-failure\n", "\nStateDirectory=branchready-agent\n",
				"\nEnvironment=" + StateDirEnv + "=" + LinuxStateDir + "\n",
				"\nDeviceAllow=char-ttyUSB rw\n", "\nAmbientCapabilities=CAP_NET_RAW\n", "\nProtectSystem=strict\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderUnit(t, linuxConfig(t, tt.cfg))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("unit lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("unit has %q:\n%s", n, got)
				}
			}
		})
	}
}

// kardianos' systemd Install passes these keys; cmd and cmdEscape are its functions.
var kardianosKeys = map[string]bool{
	"Description": true, "Path": true, "Name": true, "Dependencies": true, "Arguments": true, "ChRoot": true,
	"WorkingDirectory": true, "UserName": true, "ReloadSignal": true, "PIDFile": true, "LogDirectory": true,
	"OutputFileSupport": true, "LimitNOFILE": true, "Restart": true, "SuccessExitStatus": true, "EnvVars": true,
}

func TestTemplateUsesOnlyWhatKardianosRenders(t *testing.T) {
	action := regexp.MustCompile(`^(?:(?:if|range) (\w+)|end|(\w+|\.)(?: \| cmdEscape| \| cmd)*)$`)
	for _, m := range regexp.MustCompile(`\{\{(.*?)\}\}`).FindAllStringSubmatch(systemdTemplate, -1) {
		a := action.FindStringSubmatch(m[1])
		if a == nil {
			t.Errorf("{{%s}}: not in the syntax both kardianos and text/template read alike", m[1])
			continue
		}
		if key := a[1] + a[2]; key != "" && key != "." && !kardianosKeys[key] {
			t.Errorf("{{%s}}: kardianos' systemd install passes no key %q", m[1], key)
		}
	}
}

func TestRenderedUnitPassesSystemdAnalyzeVerify(t *testing.T) {
	analyze := testpeer.Require(t, "systemd-analyze")
	exe, err := os.Executable() // verify insists that ExecStart is executable
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "branch.yaml")
	unit := renderUnit(t, linuxConfig(t, Config{BinaryPath: exe, ConfigPath: conf}))
	path := filepath.Join(dir, Name+".service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	// Unknown keys are only warnings (exit 0): any output is a failure too.
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
}
