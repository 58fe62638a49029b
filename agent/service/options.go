package service

import (
	_ "embed"
	"fmt"
	"strings"

	kservice "github.com/kardianos/service"
)

// systemdTemplate is our hardened unit in kardianos' template syntax (not
// text/template: {{Key}}, {{Key | fn}}, {{if Key}}, {{range Key}}). It fills
// in Path (the binary), Arguments and UserName; everything else is fixed.
//
//go:embed systemd.service.tmpl
var systemdTemplate string

// Windows recovery: restart 5 s after every failure (the last action of the
// list repeats), and forget failures after a quiet day.
const (
	windowsRestartDelay = "5s"
	windowsResetPeriod  = 24 * 60 * 60
)

// arguments is the command line the service manager starts the agent with.
func arguments(configPath string) []string {
	return []string{"run", "-c", configPath}
}

// serviceConfig describes the service for kardianos on goos; cfg is resolved.
func serviceConfig(cfg Config, goos string) (*kservice.Config, error) {
	kc := &kservice.Config{
		Name:        Name,
		DisplayName: DisplayName,
		Description: Description,
		UserName:    cfg.User,
		Executable:  cfg.BinaryPath,
		Arguments:   arguments(cfg.ConfigPath),
		Option:      kservice.KeyValue{},
	}
	switch goos {
	case "linux":
		for _, p := range []struct{ what, path string }{{"binary", cfg.BinaryPath}, {"configuration", cfg.ConfigPath}} {
			if err := unitSafe(p.path); err != nil {
				return nil, fmt.Errorf("%s path %q: %w", p.what, p.path, err)
			}
		}
		if err := unitSafe(cfg.User); err != nil || strings.Contains(cfg.User, " ") {
			return nil, fmt.Errorf("user %q: not a valid user name", cfg.User)
		}
		kc.Option["SystemdScript"] = systemdTemplate
	case "windows":
		// kardianos declares these keys in its Windows files only.
		kc.Option["StartType"] = "automatic"
		kc.Option["DelayedAutoStart"] = true
		kc.Option["OnFailure"] = "restart"
		kc.Option["OnFailureDelayDuration"] = windowsRestartDelay
		kc.Option["OnFailureResetPeriod"] = windowsResetPeriod
	}
	return kc, nil
}

// unitSafe rejects what the unit's ExecStart would need to quote or escape
// beyond spaces (which cmdEscape writes as \x20): systemd would otherwise
// expand % specifiers and $VARIABLES, or split the line.
func unitSafe(s string) error {
	if i := strings.IndexAny(s, "%$\"'\\;\n\r\t"); i >= 0 {
		return fmt.Errorf("character %q cannot be used in a systemd unit here: move or rename the file", s[i])
	}
	return nil
}
