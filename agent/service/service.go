package service

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	kservice "github.com/kardianos/service"
)

// Names under which the agent is registered with the service manager.
const (
	Name        = "branchready-agent"
	DisplayName = "branchready agent"
	Description = "Checks the bank branch's devices before opening and through the day, " +
		"and ships the results to the branchready collector."
)

// StateDirEnv names the environment variable through which the service
// manager tells the agent where to keep its spool and confirmations. The
// systemd unit sets it to LinuxStateDir, the directory systemd creates for
// StateDirectory=, because ProtectSystem=strict makes everything else,
// including the default state directory next to the config, read-only.
const StateDirEnv = "BRANCHREADY_STATE_DIR"

// LinuxStateDir is the agent's state directory under systemd.
const LinuxStateDir = "/var/lib/branchready-agent"

// ErrNotInstalled is returned when the service is not installed.
var ErrNotInstalled = kservice.ErrNotInstalled

// Config says which agent the service runs.
type Config struct {
	// ConfigPath is the branch configuration file; made absolute if relative.
	ConfigPath string
	// BinaryPath is the agent executable; default the running one.
	BinaryPath string
	// User runs the service instead of systemd's dynamic user (Linux) or
	// LocalSystem (Windows, e.g. `NT AUTHORITY\LocalService`). Optional.
	User string
	// Log receives what the service wrapper does; default discarded.
	Log *slog.Logger
}

// Install registers the agent with the system's service manager, enabled at
// boot but not started. The configuration file must exist.
func Install(cfg Config) error {
	cfg, err := resolve(cfg)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if _, err := os.Stat(cfg.ConfigPath); err != nil {
		return fmt.Errorf("install: configuration: %w", err)
	}
	if runtime.GOOS == "linux" {
		// Other Linux service managers would get kardianos' unhardened script.
		if sys := kservice.ChosenSystem(); sys == nil || sys.String() != "linux-systemd" {
			return fmt.Errorf("install: only systemd is supported on Linux, found %v", sys)
		}
	}
	s, err := newService(cfg, nil, nil)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("install %s: %w", Name, err)
	}
	cfg.Log.Info("service installed", "service", Name, "platform", s.Platform(),
		"binary", cfg.BinaryPath, "config", cfg.ConfigPath)
	return nil
}

// Uninstall stops the service if it runs and removes it.
func Uninstall(cfg Config) error {
	s, err := controller()
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	st, err := s.Status()
	if errors.Is(err, ErrNotInstalled) {
		return fmt.Errorf("uninstall: %w", ErrNotInstalled)
	}
	if err == nil && st == kservice.StatusRunning {
		if err := s.Stop(); err != nil {
			return fmt.Errorf("uninstall: stop %s: %w", Name, err)
		}
	}
	if err := s.Uninstall(); err != nil {
		return fmt.Errorf("uninstall %s: %w", Name, err)
	}
	resolveLog(cfg).Info("service uninstalled", "service", Name)
	return nil
}

// Start asks the service manager to start the installed service.
func Start(cfg Config) error {
	return control(cfg, "start", kservice.Service.Start)
}

// Stop asks the service manager to stop the service and waits for it.
func Stop(cfg Config) error {
	return control(cfg, "stop", kservice.Service.Stop)
}

// Status says in words whether the service is "running", "stopped",
// "failed" or "not installed".
func Status(cfg Config) (string, error) {
	s, err := controller()
	if err != nil {
		return "unknown", fmt.Errorf("status: %w", err)
	}
	return describe(s.Status())
}

func describe(st kservice.Status, err error) (string, error) {
	switch {
	case errors.Is(err, ErrNotInstalled):
		return "not installed", nil
	case err != nil && err.Error() == "service in failed state":
		// kardianos reports systemd's "failed" only as this error text.
		return "failed", nil
	case err != nil:
		return "unknown", fmt.Errorf("status of %s: %w", Name, err)
	case st == kservice.StatusRunning:
		return "running", nil
	case st == kservice.StatusStopped:
		return "stopped", nil
	}
	return "unknown", nil
}

func control(cfg Config, verb string, act func(kservice.Service) error) error {
	s, err := controller()
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if _, err := s.Status(); errors.Is(err, ErrNotInstalled) {
		return fmt.Errorf("%s: %w (run `%s install -c FILE` first)", verb, ErrNotInstalled, Name)
	}
	if err := act(s); err != nil {
		return fmt.Errorf("%s %s: %w", verb, Name, err)
	}
	resolveLog(cfg).Info("service "+verb, "service", Name)
	return nil
}

// controller is a service handle for start, stop, status and uninstall,
// which only need the name: the paths need not be valid.
func controller() (kservice.Service, error) {
	return kservice.New(nopProgram{}, &kservice.Config{Name: Name, DisplayName: DisplayName})
}

type nopProgram struct{}

func (nopProgram) Start(kservice.Service) error { return nil }
func (nopProgram) Stop(kservice.Service) error  { return nil }

// newService builds the full service description for install and run.
func newService(cfg Config, p kservice.Interface, runWait func()) (kservice.Service, error) {
	kc, err := serviceConfig(cfg, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	if runWait != nil {
		kc.Option["RunWait"] = runWait
	}
	if p == nil {
		p = nopProgram{}
	}
	return kservice.New(p, kc)
}

// resolve fills in the defaults and makes the paths absolute.
func resolve(cfg Config) (Config, error) {
	cfg.Log = resolveLog(cfg)
	if cfg.ConfigPath == "" {
		return cfg, errors.New("no configuration file given")
	}
	if cfg.BinaryPath == "" {
		exe, err := os.Executable()
		if err != nil {
			return cfg, fmt.Errorf("find the agent binary: %w", err)
		}
		cfg.BinaryPath = exe
	}
	var err error
	if cfg.ConfigPath, err = filepath.Abs(cfg.ConfigPath); err != nil {
		return cfg, fmt.Errorf("configuration path: %w", err)
	}
	if cfg.BinaryPath, err = filepath.Abs(cfg.BinaryPath); err != nil {
		return cfg, fmt.Errorf("binary path: %w", err)
	}
	return cfg, nil
}

func resolveLog(cfg Config) *slog.Logger {
	if cfg.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Log
}
